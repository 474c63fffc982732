import type { ProblemType } from './feedback.js';
import { isMultipleChoiceType, truncate } from './feedback.js';
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

const REFERENCE_MC_PATTERNS = [/\ba\s*\)\s*[\d\w]/, /\(\s*a\s*\)/, /options\s*:/, /choose.*(?:a|b|c|d|e)/, /\ba\s*\./];
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

/** Pulls the prompt text out of a prompt-turn completion (reference `_extract_prompt_content`). */
export function extractPromptContent(response: string): string {
  const tagged = /<prompt[^>]*>([\s\S]*?)<\/prompt>/i.exec(response);
  if (tagged !== null) return (tagged[1] ?? '').trim();
  return response
    .replace(/<think>[\s\S]*?<\/think>/gi, '')
    .replace(/<think_only>[\s\S]*?<\/think_only>/gi, '')
    .replace(/<think>[\s\S]*$/i, '')
    .replace(/<action[^>]*>[\s\S]*?<\/action>/gi, '')
    .replace(/<operator[^>]*>[\s\S]*?<\/operator>/gi, '')
    .replace(/<\/?reasoning>/gi, '')
    .trim();
}
