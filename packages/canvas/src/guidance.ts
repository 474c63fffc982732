import type { ProblemType } from './feedback/values.js';
import { isMultipleChoiceType, truncate } from './feedback/values.js';
import { ECMASCRIPT_SEMANTICS } from './parsing/text-semantics.js';
import { removeFoldedBlocks } from './parsing/tag-scanner.js';
import type { OperatorSpec } from './vocabulary.js';

/** The guidance block shown with a prompt request (recorded in the trajectory). */
export function operatorGuidance(operator: string, spec: OperatorSpec | undefined, problem: string, type: ProblemType): string {
  const description = spec?.description ?? `Use the ${operator} operator to process the current state of the workflow.`;
  const lines = [`## ${operator} Operator`, `**Description**: ${description}`, '### Customization Tips'];
  if (operator === 'Programmer') {
    lines.push(type === 'code' ? '- Ask for the exact function signature and only the code.' : '- Ask for a solve() function that computes and returns the final value.');
  } else if (operator === 'Format') {
    lines.push('- Ask for the final answer only, in the form the problem expects.');
  } else if (type === 'qa' && ['Custom', 'Verify', 'AnswerGenerate'].includes(operator)) {
    lines.push('- Ask for a short span copied from the context, or "unanswerable".');
  } else {
    lines.push('- Be specific to this problem; say what to produce and in what form.');
  }
  if (problem !== '') lines.push('### Problem Context', `Current problem: ${truncate(problem, 200)}`);
  lines.push('---', 'Write the prompt text for this operator now.', 'Do not use XML tags or actions.');
  return lines.join('\n');
}

const QA_BULLETS = [
  '- Output only the final answer, usually 1-5 words.',
  '- No explanations and no full sentences.',
  '- Numbers, years and dates appear bare.',
];
const QA_VERIFY_BULLETS = [
  '- Output only the final answer, usually 1-5 words.',
  '- If the current answer is correct but verbose, shorten it.',
  '- No explanations; numbers, years and dates appear bare.',
];
const CODE_BULLETS = [
  '- Output code only: no prose, no markdown fences, no numbered steps.',
  '- Use the exact function signature the task requires.',
  '- Do not call input() or print() unless the task requires it; include all imports.',
  '- Keep the code minimal and deterministic.',
];
const MC_RULES: Readonly<Record<string, { marker: string; bullets: readonly string[] }>> = {
  Custom: { marker: '[MC_PRECISE_CALC]', bullets: ['- Compute precisely, then match the result to one option.', '- End with the single option letter (a-e).'] },
  Programmer: { marker: '[MC_CODE_SOLVE]', bullets: ['- Compute the value in code, compare it with every option.', '- Return the single option letter (a-e).'] },
  Verify: { marker: '[MC_VERIFY]', bullets: ['- Check the chosen option against the computation.', '- Answer with a single option letter (a-e).'] },
  Review: { marker: '[MC_VERIFY]', bullets: ['- Check the chosen option against the computation.', '- Answer with a single option letter (a-e).'] },
  Format: { marker: '[MC_FORMAT]', bullets: ['- Output exactly one option letter (a-e) and nothing else.'] },
};

/** Prepends type-specific guidance to a policy-written prompt, once (reference dynamic prompt rules). */
export function applyPromptRules(prompt: string, operator: string, type: ProblemType): string {
  const text = prompt.trim();
  let rule: { marker: string; bullets: readonly string[] } | undefined;
  if (type === 'qa' && ['Custom', 'Verify', 'AnswerGenerate'].includes(operator)) {
    rule = { marker: '[QA_SHORT_ANSWER]', bullets: operator === 'Verify' ? QA_VERIFY_BULLETS : QA_BULLETS };
  } else if (type === 'code' && operator === 'Programmer') {
    rule = { marker: '[CODE_PYTHON_ONLY]', bullets: CODE_BULLETS };
  } else if (isMultipleChoiceType(type)) {
    rule = MC_RULES[operator];
  }
  if (rule === undefined || text.includes(rule.marker)) return text;
  return `${rule.marker}\n${rule.bullets.join('\n')}\n\n${text}`;
}

const REFERENCE_MC_PATTERNS = [/\ba\s*\)\s*[\d\w]/, /\(\s*a\s*\)/, /options\s*:/, { test: choosesALetter }, /\ba\s*\./];

/** `choose.*(?:a|b|c|d|e)` without backtracking: a letter a-e after "choose" on the same line. */
function choosesALetter(text: string): boolean {
  for (let at = text.indexOf('choose'); at >= 0; ) {
    const lineEnd = text.indexOf('\n', at);
    const end = lineEnd < 0 ? text.length : lineEnd;
    // Later "choose"s on this line see a subset of the same characters: one check per line.
    if (/[a-e]/.test(text.slice(at + 6, end))) return true;
    if (lineEnd < 0) return false;
    at = text.indexOf('choose', lineEnd);
  }
  return false;
}
const OPTION_A = /(^|[\s,;:])\(?a\s*[).]\s*\S/;
const OPTION_B = /(^|[\s,;:])\(?b\s*[).]\s*\S/;

/**
 * Multiple-choice detection. The reference detector fires on any "choose … a" or "a." and so
 * disables Programmer on ordinary problems; the default here needs real option markers.
 */
export function isMultipleChoiceProblem(problem: string, type: ProblemType, referenceDetector = false): boolean {
  if (isMultipleChoiceType(type)) return true;
  const lower = problem.toLowerCase();
  if (referenceDetector) return REFERENCE_MC_PATTERNS.some((p) => p.test(lower));
  if (/options\s*:/.test(lower)) return true;
  return OPTION_A.test(lower) && OPTION_B.test(lower);
}

/** Pulls the prompt text out of a prompt-turn completion (reference `_extract_prompt_content`). Linear time. */
export function extractPromptContent(response: string): string {
  // Every tag below starts with "<": plain text is only trimmed.
  if (!response.includes('<')) return response.trim();
  // Folding is length-preserving and per character, so one fold of the input, cut alongside it, serves every step.
  let folded = ECMASCRIPT_SEMANTICS.fold(response);
  const tagged = firstElement(response, folded, 'prompt');
  if (tagged !== undefined) return tagged.inner.trim();
  let text = response;
  [text, folded] = removeFoldedBlocks(text, folded, '<think>', '</think>');
  [text, folded] = removeFoldedBlocks(text, folded, '<think_only>', '</think_only>');
  const unclosed = folded.indexOf('<think>');
  if (unclosed >= 0) {
    text = text.slice(0, unclosed);
    folded = folded.slice(0, unclosed);
  }
  [text, folded] = removeElements(text, folded, 'action');
  [text, folded] = removeElements(text, folded, 'operator');
  // The tags are ASCII, and a case-insensitive match without the `u` flag maps no other character onto ASCII.
  return (folded.includes('reasoning>') ? text.replace(REASONING_TAGS, '') : text).trim();
}

const REASONING_TAGS = /<\/?reasoning>/gi;

/**
 * The first `<name ATTRS>…</name>` element (non-greedy, case-insensitive; ATTRS has no ">"), as
 * the regex `<name[^>]*>([\s\S]*?)</name>` finds it, in linear time. `folded` is `text` folded.
 */
function firstElement(text: string, folded: string, name: string, from = 0): { inner: string; start: number; end: number } | undefined {
  const open = `<${name}`;
  const close = `</${name}>`;
  // The closing tag that any opening tag would end at: the first one after it.
  const start = folded.indexOf(open, from);
  if (start < 0) return undefined;
  const gt = folded.indexOf('>', start + open.length);
  if (gt < 0) return undefined;
  const stop = folded.indexOf(close, gt + 1);
  if (stop < 0) return undefined;
  // `[^>]*` cannot cross ">": an opening tag whose first ">" is not its own has no match here,
  // but a later "<name" before that ">" has the same ">" and the same closing tag.
  return { inner: text.slice(gt + 1, stop), start, end: stop + close.length };
}

/** Removes every `<name ATTRS>…</name>` element, left to right, in one pass; returns the text and its fold. */
function removeElements(text: string, folded: string, name: string): [string, string] {
  let kept = 0;
  let outText = '';
  let outFolded = '';
  for (let element = firstElement(text, folded, name); element !== undefined; element = firstElement(text, folded, name, element.end)) {
    outText += text.slice(kept, element.start);
    outFolded += folded.slice(kept, element.start);
    kept = element.end;
  }
  if (kept === 0) return [text, folded];
  return [outText + text.slice(kept), outFolded + folded.slice(kept)];
}
