/**
 * The Flow-Director's action language: XML-ish tags with angle or square brackets, case-insensitive
 * names, the first <action> wins. Parsing follows the reference exactly, including its tolerance
 * (code fences, think blocks, whitespace) and its free-text fallback.
 */

import { TagScanner, firstBlock, removeBlocks, removeFoldedBlocks, type TagMatch } from './parsing/tag-scanner.js';
import { ECMASCRIPT_SEMANTICS, PYTHON_SEMANTICS, textSemantics, wordLiteral, type RegexSemantics, type TextSemantics } from './parsing/text-semantics.js';

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

export interface ParseOptions {
  /** Regex semantics for tags, digits, whitespace and word boundaries (default `ecmascript`). */
  readonly semantics?: RegexSemantics;
}

const ACTIONS = ['add', 'delete', 'modify', 'set_prompt', 'finish'] as const;
const STRUCTURES = ['parallel', 'conditional', 'loop'] as const;

/** A present, non-blank field value; whitespace-only counts as missing, as in the reference (`'' or None`). */
const present = (match: TagMatch | undefined): string | undefined => (match === undefined || match.value === '' ? undefined : match.value);

export function splitOperatorList(list: string, semantics: RegexSemantics = 'ecmascript'): string[] {
  return list.split(semantics === 'python' ? PYTHON_LIST_SEPARATOR : LIST_SEPARATOR).filter((s) => s !== '');
}

const LIST_SEPARATOR = /[,;\s]+/;
const PYTHON_LIST_SEPARATOR = new RegExp(`(?:[,;]|${PYTHON_SEMANTICS.space})+`, 'u');

/** The reference's finish phrases; `B` is a word boundary and `S` one whitespace character. */
const FINISH_PHRASE_TEMPLATES = [
  "Blet'?s?S+finishB",
  'BiS+willS+finishB',
  'BfinishS+(theS+)?workflowB',
  'BworkflowS+(isS+)?completeB',
  'BtimeS+toS+finishB',
  'BnowS+finishB',
  'BreadyS+toS+finishB',
];

function finishPhrases(semantics: TextSemantics): readonly RegExp[] {
  return FINISH_PHRASE_TEMPLATES.map((template) => {
    // A leading "B" and the literal up to the first special character form one bounded word.
    const lead = /^B([a-z]+)/.exec(template);
    let source = lead === null ? '' : wordLiteral(semantics, lead[1] as string);
    const rest = lead === null ? template : template.slice(lead[0].length);
    for (let i = 0; i < rest.length; i++) {
      const c = rest[i] as string;
      source += c === 'S' ? semantics.space : c === 'B' ? semantics.wordBoundaryAfter : c;
    }
    return new RegExp(source, semantics.flags);
  });
}

const FINISH_PHRASES = { ecmascript: finishPhrases(ECMASCRIPT_SEMANTICS), python: finishPhrases(PYTHON_SEMANTICS) } as const;

export const FALLBACK_FINISH = 'Fallback: inferred FINISH from explicit finish phrase';
export const FALLBACK_ADD = 'Fallback: inferred ADD from operator mention';
export const THINK_ONLY_ERROR = 'Think-Only: You output thinking without action. Please add <action> tag after your thinking.';

const invalid = (error: string, reasoning?: string): ParsedAction => ({ action: { type: 'invalid', error }, ...(reasoning === undefined ? {} : { reasoning }) });

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `\b` + the escaped operator name (a name that does not start with a word character gets a plain boundary). */
function mentionStart(semantics: TextSemantics, name: string): string {
  return /^[\p{L}\p{N}_]/u.test(name) && !/^[.*+?^${}()|[\]\\]/.test(name) ? wordLiteral(semantics, escapeRegExp(name)) : `${semantics.wordBoundaryBefore}${escapeRegExp(name)}`;
}

interface Mention {
  readonly op: string;
  /** The lower-cased name: a text without it cannot match `pattern` (no case-insensitive flag). */
  readonly literal: string;
  readonly pattern: RegExp;
}

/** One whole-word pattern per operator, compiled once per vocabulary. */
const mentionPatterns = new Map<string, readonly Mention[]>();
/** The same, by identity, for frozen vocabularies (they cannot change, so no key text is needed). */
const frozenMentions = { ecmascript: new WeakMap<readonly string[], readonly Mention[]>(), python: new WeakMap<readonly string[], readonly Mention[]>() };

function operatorMentions(operators: readonly string[], semantics: TextSemantics): readonly Mention[] {
  const frozen = Object.isFrozen(operators) ? frozenMentions[semantics.name] : undefined;
  const known = frozen?.get(operators);
  if (known !== undefined) return known;
  const key = `${semantics.name}\u0000${operators.join('\u0000')}`;
  let patterns = mentionPatterns.get(key);
  if (patterns === undefined) {
    patterns = operators.map((op) => {
      const literal = op.toLowerCase();
      return { op, literal, pattern: new RegExp(`${mentionStart(semantics, literal)}${semantics.wordBoundaryAfter}`, semantics.flags) };
    });
    if (mentionPatterns.size > 64) mentionPatterns.clear();
    mentionPatterns.set(key, patterns);
  }
  frozen?.set(operators, patterns);
  return patterns;
}

/** The text without its think, thinking and reasoning blocks (case-insensitive markers). */
function withoutThinking(raw: string): string {
  if (!raw.includes('<')) return raw;
  // One fold serves every block kind, and tells whether any can be there at all.
  let folded = ECMASCRIPT_SEMANTICS.fold(raw);
  if (!folded.includes('<think') && !folded.includes('<reasoning>')) return raw;
  let text = raw;
  for (const [open, close] of THINKING_BLOCKS) [text, folded] = removeFoldedBlocks(text, folded, open, close);
  return text;
}

const THINKING_BLOCKS: ReadonlyArray<readonly [string, string]> = [
  ['<think>', '</think>'],
  ['<thinking>', '</thinking>'],
  ['<reasoning>', '</reasoning>'],
];

function fallback(raw: string, operators: readonly string[], semantics: TextSemantics): ParsedAction {
  const text = withoutThinking(raw);
  const lower = text.toLowerCase();
  // Every finish phrase spells "finish" or "complete" literally.
  if ((lower.includes('finish') || lower.includes('complete')) && FINISH_PHRASES[semantics.name].some((phrase) => phrase.test(lower))) return { action: { type: 'finish' }, fallback: FALLBACK_FINISH };
  // Order of first mention, so the message is deterministic (the reference used set order).
  const hits: { op: string; at: number }[] = [];
  for (const { op, literal, pattern } of operatorMentions(operators, semantics)) {
    if (!lower.includes(literal)) continue;
    const at = lower.search(pattern);
    if (at >= 0) hits.push({ op, at });
  }
  const found = hits.sort((a, b) => a.at - b.at).map((hit) => hit.op);
  if (found.length === 1) return { action: { type: 'add', structure: 'operator', operator: found[0] as string }, fallback: FALLBACK_ADD };
  if (found.length > 1) return invalid(`Found multiple operators (${found.join(', ')}) but no clear structure. Please use explicit XML format.`);
  return invalid('Could not parse action from text');
}

/** Whether `trim` would leave nothing, without building the trimmed copy. */
function isBlank(text: string, semantics: TextSemantics): boolean {
  for (let i = 0; i < text.length; i++) if (!semantics.isSpace(text.charCodeAt(i))) return false;
  return true;
}

function withPosition<T extends object>(action: T, position: number | undefined): T & { position?: number } {
  return position === undefined ? action : { ...action, position };
}

/**
 * Parses one policy output into an action. `operators` is the canvas vocabulary, used only by the
 * free-text fallback.
 */
export function parseAction(raw: string, operators: readonly string[], options: ParseOptions = {}): ParsedAction {
  const semantics = textSemantics(options.semantics);
  if (isBlank(raw, semantics)) return invalid('Empty input');
  const thinkOnly = firstBlock(raw, '<think_only>', '</think_only>');
  if (thinkOnly !== undefined) return invalid(THINK_ONLY_ERROR, semantics.trim(thinkOnly.inner));
  // Tags open with "<" or "[": text with neither is free text.
  if (!raw.includes('<') && !raw.includes('[')) return fallback(raw, operators, semantics);

  const tags = new TagScanner(removeBlocks(raw, '```', '```'), semantics);
  // `reasoning or thought`: an empty <reasoning> falls back to <thought>.
  const reasoningTag = tags.freeText('reasoning')?.value;
  const reasoning = reasoningTag !== undefined && reasoningTag !== '' ? reasoningTag : tags.freeText('thought')?.value;
  const actionName = tags.keyword('action', ACTIONS)?.value;
  const parsed = actionName === undefined ? fallback(raw, operators, semantics) : actionFromTags(actionName, tags);
  if (reasoning === undefined) return parsed;
  // The keys a spread of `parsed` would give (it is `{ action }` or `{ action, fallback }` here), without the generic object copy.
  return parsed.fallback === undefined ? { action: parsed.action, reasoning } : { action: parsed.action, fallback: parsed.fallback, reasoning };
}

function operatorListTag(tags: TagScanner, name: string): string[] | undefined {
  const value = present(tags.name(name));
  return value === undefined ? undefined : splitOperatorList(value, tags.semantics.name);
}

/** The action an `<action>` keyword and its fields describe (reasoning is added by the caller). */
function actionFromTags(actionName: string, tags: TagScanner): ParsedAction {
  const position = tags.integer('position')?.number;
  switch (actionName) {
    case 'add': {
      const structure = tags.keyword('structure', STRUCTURES)?.value;
      if (structure === 'parallel') {
        const ops = operatorListTag(tags, 'operators');
        if (ops === undefined) return invalid('No <operators> tag found for parallel structure');
        if (ops.length < 2) return invalid('Parallel structure requires at least 2 operators');
        return { action: withPosition({ type: 'add', structure: 'parallel', operators: ops } as const, position) };
      }
      if (structure === 'conditional') {
        const condition = present(tags.name('condition'));
        if (condition === undefined) return invalid('No <condition> tag found for conditional structure');
        const trueBranch = present(tags.name('true'));
        if (trueBranch === undefined) return invalid('No <true> tag found for conditional structure');
        const falseRaw = present(tags.name('false'));
        const falseBranch = falseRaw === undefined || falseRaw.toLowerCase() === 'done' ? undefined : falseRaw;
        const base = { type: 'add', structure: 'conditional', condition, trueBranch } as const;
        return { action: withPosition(falseBranch === undefined ? base : { ...base, falseBranch }, position) };
      }
      if (structure === 'loop') {
        const ops = operatorListTag(tags, 'operators');
        if (ops === undefined) return invalid('No <operators> tag found for loop structure');
        if (ops.length < 1) return invalid('Loop structure requires at least 1 operator');
        const count = Math.min(10, Math.max(1, tags.integer('count')?.number ?? 3));
        return { action: withPosition({ type: 'add', structure: 'loop', operators: ops, count } as const, position) };
      }
      const operator = present(tags.name('operator'));
      if (operator === undefined) return invalid('No <operator> tag found for add action');
      const prompt = tags.freeText('prompt')?.value;
      const base = withPosition({ type: 'add', structure: 'operator', operator } as const, position);
      return { action: prompt === undefined ? base : { ...base, prompt } };
    }
    case 'delete': {
      const target = present(tags.name('target'));
      if (target === undefined) return invalid('No <target> tag found for delete action');
      return { action: { type: 'delete', target } };
    }
    case 'modify': {
      const target = present(tags.name('target'));
      if (target === undefined) return invalid('No <target> tag found for modify action');
      const operator = present(tags.name('operator'));
      if (operator === undefined) return invalid('No <operator> tag found for modify action');
      return { action: { type: 'modify', target, operator } };
    }
    case 'set_prompt': {
      const prompt = present(tags.freeText('prompt'));
      if (prompt === undefined) return invalid('No <prompt> tag found for set_prompt action. You must provide a prompt.');
      const target = present(tags.name('target'));
      return { action: target === undefined ? { type: 'set_prompt', prompt } : { type: 'set_prompt', target, prompt } };
    }
    default: {
      // An empty <answer> is no answer: the finish shows the last result instead.
      const answer = present(tags.freeText('answer'));
      return { action: answer === undefined ? { type: 'finish' } : { type: 'finish', answer } };
    }
  }
}

/** Fields whose closing tag ends the action, per action kind (reference truncation table). */
function relevantFields(tags: TagScanner): string[] {
  switch (tags.keyword('action', ACTIONS)?.value) {
    case 'finish':
      return ['answer'];
    case 'set_prompt':
      return ['prompt'];
    case 'delete':
      return ['target'];
    case 'modify':
      return ['target', 'operator'];
    case 'add': {
      const structure = tags.keyword('structure', STRUCTURES)?.value;
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

/** Length of a leading `\s*<think>…</think>\s*` (case-insensitive), or 0. */
function leadingThinkLength(text: string): number {
  let at = 0;
  while (at < text.length && ECMASCRIPT_SEMANTICS.isSpace(text.charCodeAt(at))) at++;
  if (text.slice(at, at + 7).toLowerCase() !== '<think>') return 0;
  const block = firstBlock(text.slice(at), '<think>', '</think>', true);
  if (block === undefined) return 0;
  let end = at + block.end;
  while (end < text.length && ECMASCRIPT_SEMANTICS.isSpace(text.charCodeAt(end))) end++;
  return end;
}

/**
 * Cuts a policy output after its first complete action (reference `_truncate_after_first_action`):
 * drops a leading think block, keeps text from the first action tag up to the next action tag,
 * and ends after the last closing tag of the fields that action uses. Text without an action tag
 * is returned unchanged.
 */
export function truncateAfterFirstAction(text: string): string {
  const body = text.slice(leadingThinkLength(text));
  const first = new TagScanner(body).keyword('action', ACTIONS);
  if (first === undefined) return text;
  const next = new TagScanner(body).findTag('action', first.end);
  const segment = body.slice(first.start, next === undefined ? undefined : next[0]);
  const tags = new TagScanner(segment);
  let end = first.end - first.start;
  for (const name of relevantFields(tags)) end = Math.max(end, tags.lastClose(name, 0, segment.length) ?? 0);
  return segment.slice(0, end);
}

/**
 * Generation-side clean-up of a raw completion: a closed think block is removed; a completion that
 * is only an unterminated think block becomes a `<think_only>` marker the parser reports clearly.
 */
export function normalizeCompletion(text: string): string {
  if (!text.includes('<think>')) return text;
  if (firstBlock(text, '<think>', '</think>') !== undefined) {
    const rest = removeBlocks(text, '<think>', '</think>').trim();
    return rest === '' ? text : rest;
  }
  const thinking = text.slice(text.indexOf('<think>') + '<think>'.length);
  return `<think_only>${thinking.slice(0, 200)}</think_only>`;
}

/** Drops action-looking lines from feedback before it is shown to the policy again. */
export function sanitizeFeedback(feedback: string): string {
  const lower = feedback.toLowerCase();
  if (!lower.includes('action')) return feedback;
  return feedback
    .split('\n')
    .filter((line) => !/<\/?action>/i.test(line) && !line.trimStart().toLowerCase().startsWith('[action hint]:'))
    .join('\n');
}
