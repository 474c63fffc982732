/**
 * The Flow-Director's action language: XML-ish tags with angle or square brackets, case-insensitive
 * names, the first <action> wins. Parsing follows the reference exactly, including its tolerance
 * (code fences, think blocks, whitespace) and its free-text fallback.
 */

export type AddOperatorAction = { readonly type: 'add'; readonly structure: 'operator'; readonly operator: string; readonly position?: number; readonly prompt?: string };
export type AddParallelAction = { readonly type: 'add'; readonly structure: 'parallel'; readonly operators: readonly string[]; readonly position?: number };
export type AddConditionalAction = { readonly type: 'add'; readonly structure: 'conditional'; readonly condition: string; readonly trueBranch: string; readonly falseBranch?: string; readonly position?: number };
export type AddLoopAction = { readonly type: 'add'; readonly structure: 'loop'; readonly operators: readonly string[]; readonly count: number; readonly position?: number };
export type AddAction = AddOperatorAction | AddParallelAction | AddConditionalAction | AddLoopAction;
export type DeleteAction = { readonly type: 'delete'; readonly target: string };
export type ModifyAction = { readonly type: 'modify'; readonly target: string; readonly operator: string };
export type SetPromptAction = { readonly type: 'set_prompt'; readonly target?: string; readonly prompt: string };
export type FinishAction = { readonly type: 'finish'; readonly answer?: string };
export type InvalidAction = { readonly type: 'invalid'; readonly error: string };
export type CanvasAction = AddAction | DeleteAction | ModifyAction | SetPromptAction | FinishAction | InvalidAction;

export interface ParsedAction {
  readonly action: CanvasAction;
  readonly reasoning?: string;
  /** Set when the action was inferred from free text rather than tags (the reference's `parse_error`). */
  readonly fallback?: string;
}

const OPEN = (name: string): string => `[<\\[]${name}[>\\]]`;
const CLOSE = (name: string): string => `[<\\[]/${name}[>\\]]`;

function field(text: string, name: string, content: string, flags = 'i'): string | undefined {
  const match = new RegExp(`${OPEN(name)}\\s*${content}\\s*${CLOSE(name)}`, flags).exec(text);
  return match?.[1]?.trim();
}

const nameField = (text: string, name: string): string | undefined => field(text, name, '([^<\\[\\]]+?)');
const intField = (text: string, name: string): number | undefined => {
  const value = field(text, name, '(\\d+)');
  return value === undefined ? undefined : Number.parseInt(value, 10);
};
const textField = (text: string, name: string): string | undefined => {
  const match = new RegExp(`${OPEN(name)}([\\s\\S]*?)${CLOSE(name)}`, 'i').exec(text);
  return match?.[1]?.trim();
};

export function splitOperatorList(list: string): string[] {
  return list.split(/[,;\s]+/).filter((s) => s !== '');
}

const FINISH_PHRASES = [
  /\blet'?s?\s+finish\b/,
  /\bi\s+will\s+finish\b/,
  /\bfinish\s+(the\s+)?workflow\b/,
  /\bworkflow\s+(is\s+)?complete\b/,
  /\btime\s+to\s+finish\b/,
  /\bnow\s+finish\b/,
  /\bready\s+to\s+finish\b/,
];

export const FALLBACK_FINISH = 'Fallback: inferred FINISH from explicit finish phrase';
export const FALLBACK_ADD = 'Fallback: inferred ADD from operator mention';
export const THINK_ONLY_ERROR = 'Think-Only: You output thinking without action. Please add <action> tag after your thinking.';

const invalid = (error: string, reasoning?: string): ParsedAction => ({ action: { type: 'invalid', error }, ...(reasoning === undefined ? {} : { reasoning }) });

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function fallback(raw: string, operators: readonly string[]): ParsedAction {
  const text = raw
    .replace(/<think>[\s\S]*?<\/think>/gi, '')
    .replace(/<thinking>[\s\S]*?<\/thinking>/gi, '')
    .replace(/<reasoning>[\s\S]*?<\/reasoning>/gi, '');
  const lower = text.toLowerCase();
  if (FINISH_PHRASES.some((phrase) => phrase.test(lower))) return { action: { type: 'finish' }, fallback: FALLBACK_FINISH };
  // Order of first mention, so the message is deterministic (the reference used set order).
  const found = operators
    .map((op) => ({ op, at: lower.search(new RegExp(`\\b${escapeRegExp(op.toLowerCase())}\\b`)) }))
    .filter((hit) => hit.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((hit) => hit.op);
  if (found.length === 1) return { action: { type: 'add', structure: 'operator', operator: found[0] as string }, fallback: FALLBACK_ADD };
  if (found.length > 1) return invalid(`Found multiple operators (${found.join(', ')}) but no clear structure. Please use explicit XML format.`);
  return invalid('Could not parse action from text');
}

function withPosition<T extends object>(action: T, position: number | undefined): T & { position?: number } {
  return position === undefined ? action : { ...action, position };
}

/**
 * Parses one policy output into an action. `operators` is the canvas vocabulary, used only by the
 * free-text fallback.
 */
export function parseAction(raw: string, operators: readonly string[]): ParsedAction {
  if (raw.trim() === '') return invalid('Empty input');
  const thinkOnly = /<think_only>([\s\S]*?)<\/think_only>/.exec(raw);
  if (thinkOnly !== null) return invalid(THINK_ONLY_ERROR, (thinkOnly[1] ?? '').trim());

  const text = raw.replace(/```[\s\S]*?```/g, '');
  const reasoning = textField(text, 'reasoning') ?? textField(text, 'thought');
  const withReasoning = (parsed: ParsedAction): ParsedAction => (reasoning === undefined ? parsed : { ...parsed, reasoning });
  const actionName = field(text, 'action', '(add|delete|modify|set_prompt|finish)')?.toLowerCase();
  if (actionName === undefined) return withReasoning(fallback(raw, operators));

  const position = intField(text, 'position');
  switch (actionName) {
    case 'add': {
      const structure = field(text, 'structure', '(parallel|conditional|loop)')?.toLowerCase();
      if (structure === 'parallel') {
        const list = nameField(text, 'operators');
        if (list === undefined) return withReasoning(invalid('No <operators> tag found for parallel structure'));
        const ops = splitOperatorList(list);
        if (ops.length < 2) return withReasoning(invalid('Parallel structure requires at least 2 operators'));
        return withReasoning({ action: withPosition({ type: 'add', structure: 'parallel', operators: ops } as const, position) });
      }
      if (structure === 'conditional') {
        const condition = nameField(text, 'condition');
        if (condition === undefined) return withReasoning(invalid('No <condition> tag found for conditional structure'));
        const trueBranch = nameField(text, 'true');
        if (trueBranch === undefined) return withReasoning(invalid('No <true> tag found for conditional structure'));
        const falseRaw = nameField(text, 'false');
        const falseBranch = falseRaw === undefined || falseRaw.toLowerCase() === 'done' ? undefined : falseRaw;
        const base = { type: 'add', structure: 'conditional', condition, trueBranch } as const;
        return withReasoning({ action: withPosition(falseBranch === undefined ? base : { ...base, falseBranch }, position) });
      }
      if (structure === 'loop') {
        const list = nameField(text, 'operators');
        if (list === undefined) return withReasoning(invalid('No <operators> tag found for loop structure'));
        const ops = splitOperatorList(list);
        if (ops.length < 1) return withReasoning(invalid('Loop structure requires at least 1 operator'));
        const count = Math.min(10, Math.max(1, intField(text, 'count') ?? 3));
        return withReasoning({ action: withPosition({ type: 'add', structure: 'loop', operators: ops, count } as const, position) });
      }
      const operator = nameField(text, 'operator');
      if (operator === undefined) return withReasoning(invalid('No <operator> tag found for add action'));
      const prompt = textField(text, 'prompt');
      const base = withPosition({ type: 'add', structure: 'operator', operator } as const, position);
      return withReasoning({ action: prompt === undefined ? base : { ...base, prompt } });
    }
    case 'delete': {
      const target = nameField(text, 'target');
      if (target === undefined) return withReasoning(invalid('No <target> tag found for delete action'));
      return withReasoning({ action: { type: 'delete', target } });
    }
    case 'modify': {
      const target = nameField(text, 'target');
      if (target === undefined) return withReasoning(invalid('No <target> tag found for modify action'));
      const operator = nameField(text, 'operator');
      if (operator === undefined) return withReasoning(invalid('No <operator> tag found for modify action'));
      return withReasoning({ action: { type: 'modify', target, operator } });
    }
    case 'set_prompt': {
      const prompt = textField(text, 'prompt');
      if (prompt === undefined || prompt === '') return withReasoning(invalid('No <prompt> tag found for set_prompt action. You must provide a prompt.'));
      const target = nameField(text, 'target');
      return withReasoning({ action: target === undefined ? { type: 'set_prompt', prompt } : { type: 'set_prompt', target, prompt } });
    }
    default: {
      const answer = textField(text, 'answer');
      return withReasoning({ action: answer === undefined ? { type: 'finish' } : { type: 'finish', answer } });
    }
  }
}

/** Fields whose closing tag ends the action, per action kind (reference truncation table). */
function relevantFields(segment: string): string[] {
  const action = field(segment, 'action', '(add|delete|modify|set_prompt|finish)')?.toLowerCase();
  switch (action) {
    case 'finish':
      return ['answer'];
    case 'set_prompt':
      return ['prompt'];
    case 'delete':
      return ['target'];
    case 'modify':
      return ['target', 'operator'];
    case 'add': {
      const structure = field(segment, 'structure', '(parallel|conditional|loop)')?.toLowerCase();
      const extra = ['position', 'prompt'];
      if (structure === 'parallel') return ['operators', ...extra];
      if (structure === 'conditional') return ['condition', 'true', 'false', ...extra];
      if (structure === 'loop') return ['operators', 'count', ...extra];
      return ['operator', ...extra];
    }
    default:
      return [];
  }
}

/**
 * Cuts a policy output after its first complete action (reference `_truncate_after_first_action`):
 * drops a leading think block, keeps text from the first action tag up to the next action tag,
 * and ends after the last closing tag of the fields that action uses. Text without an action tag
 * is returned unchanged.
 */
export function truncateAfterFirstAction(text: string): string {
  const body = text.replace(/^\s*<think>[\s\S]*?<\/think>\s*/i, '');
  const first = new RegExp(`${OPEN('action')}\\s*(add|delete|modify|set_prompt|finish)\\s*${CLOSE('action')}`, 'i').exec(body);
  if (first === null) return text;
  const afterFirst = first.index + first[0].length;
  const next = new RegExp(OPEN('action'), 'i').exec(body.slice(afterFirst));
  const segment = body.slice(first.index, next === null ? undefined : afterFirst + next.index);
  let end = first[0].length;
  for (const name of relevantFields(segment)) {
    const close = new RegExp(CLOSE(name), 'gi');
    for (let match = close.exec(segment); match !== null; match = close.exec(segment)) end = Math.max(end, match.index + match[0].length);
  }
  return segment.slice(0, end);
}

/**
 * Generation-side clean-up of a raw completion: a closed think block is removed; a completion that
 * is only an unterminated think block becomes a `<think_only>` marker the parser reports clearly.
 */
export function normalizeCompletion(text: string): string {
  if (!text.includes('<think>')) return text;
  if (/<think>[\s\S]*?<\/think>/.test(text)) {
    const rest = text.replace(/<think>[\s\S]*?<\/think>/g, '').trim();
    return rest === '' ? text : rest;
  }
  const thinking = text.slice(text.indexOf('<think>') + '<think>'.length);
  return `<think_only>${thinking.slice(0, 200)}</think_only>`;
}

/** Drops action-looking lines from feedback before it is shown to the policy again. */
export function sanitizeFeedback(feedback: string): string {
  return feedback
    .split('\n')
    .filter((line) => !/<\/?action>/i.test(line) && !line.trimStart().toLowerCase().startsWith('[action hint]:'))
    .join('\n');
}
