/**
 * The feedback that asks for an operator's prompt: after a single add, a modify, or for each child
 * of a structure just added. The part after the DSL line depends only on the operator and its
 * guidance, so callers can render it once per episode and operator (`promptRequestBody`).
 */
import type { CanvasView } from './sections.js';

const BANNER = '='.repeat(50);
const DIRECT_PROMPT_LINES = ['IMPORTANT: Just write your prompt directly. No action tags needed.', "Example: 'Solve this math problem step by step. Show all calculations.'"];
const MODIFY_CLOSING_LINES = [...DIRECT_PROMPT_LINES, 'Write a prompt that differs from the previous one for this node.', 'Focus on what should change in the result.'];

/** `add` and `child` requests share a body; `modify` asks for a new prompt. */
export type PromptRequestVariant = 'add' | 'modify';

/** Everything between the `[Current DSL]` line and the `[Round]` line, starting with a newline. */
export function promptRequestBody(operator: string, guidance: string, variant: PromptRequestVariant): string {
  const lines = ['', BANNER, `WRITE YOUR PROMPT FOR ${operator}`, BANNER, ''];
  if (operator === 'Programmer') {
    lines.push(
      'NOTE: this prompt goes to a code-writing model that must return runnable Python.',
      'Do not write "Step 1:"-style plans; state what the code must compute and return.',
      'Keep it short and specific to this problem.',
      '',
    );
  }
  lines.push(guidance, '', ...(variant === 'modify' ? MODIFY_CLOSING_LINES : DIRECT_PROMPT_LINES), '');
  if (variant === 'modify') {
    // The reference rewrites the heading line by line (first occurrence per line).
    const from = `WRITE YOUR PROMPT FOR ${operator}`;
    const to = `WRITE A NEW PROMPT FOR ${operator}`;
    for (let i = 0; i < lines.length; i++) lines[i] = (lines[i] as string).replace(from, to);
  }
  return `\n${lines.join('\n')}`;
}

const dslLine = (dsl: string): string => `[Current DSL]: ${dsl === '' ? '(empty)' : dsl}`;
const roundTail = (round: number, maxRounds: number): string => `\n[Round]: ${round}/${maxRounds}\n</feedback>`;

/** A single add's or a modify's prompt request from a prepared body. */
export function renderPendingPromptRequest(operator: string, dsl: string, body: string, round: number, maxRounds: number, modifyTarget?: string): string {
  const head =
    modifyTarget === undefined
      ? `<feedback>\n[Status]: Pending - Awaiting Prompt\n[Message]: You want to add ${operator}. Now write a custom prompt for it.\n`
      : `<feedback>\n[Status]: Pending - Awaiting New Prompt for Modify\n[Message]: You want to modify ${modifyTarget} to ${operator}. Now write a NEW custom prompt.\n`;
  return head + dslLine(dsl) + body + roundTail(round, maxRounds);
}

/** A structure child's prompt request from a prepared (`add`) body. */
export function renderChildPromptRequest(operator: string, context: string, parallel: boolean, dsl: string, body: string, round: number, maxRounds: number): string {
  let head = `<feedback>\n[Status]: Pending - Awaiting Prompt\n[Message]: Write a custom prompt for ${operator}. (${context})\n`;
  if (parallel) head += '[Hint]: Make this branch DIFFERENT from other parallel branches (different method, checks, or perspective).\n';
  return head + dslLine(dsl) + body + roundTail(round, maxRounds);
}

/** Asks for the prompt of a single operator being added (or a node being modified). */
export function formatPendingPromptRequest(args: { operator: string; view: CanvasView; guidance: string; modifyTarget?: string }): string {
  const { operator, view, guidance, modifyTarget } = args;
  const body = promptRequestBody(operator, guidance, modifyTarget === undefined ? 'add' : 'modify');
  return renderPendingPromptRequest(operator, view.dsl, body, view.round, view.maxRounds, modifyTarget);
}

/** Asks for the prompt of one child of a structure just added. */
export function formatChildPromptRequest(args: { operator: string; context: string; view: CanvasView; guidance: string; parallel: boolean }): string {
  return renderChildPromptRequest(args.operator, args.context, args.parallel, args.view.dsl, promptRequestBody(args.operator, args.guidance, 'add'), args.view.round, args.view.maxRounds);
}
