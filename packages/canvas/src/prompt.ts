/** The prompts the Flow-Director reads: action turns and operator-prompt turns. */
import { actionPromptHead, renderActionPrompt, type ActionPromptState } from './prompt-text.js';
import type { OperatorSpec } from './vocabulary.js';

export { systemPrompt, typeHint, type ActionPromptState } from './prompt-text.js';

/** The full prompt of an action turn: system prompt, type hint, problem, state and last feedback. */
export function buildActionPrompt(library: readonly OperatorSpec[], state: ActionPromptState): string {
  return renderActionPrompt(actionPromptHead(library, state.problemType, state.problem), state);
}

export interface PromptTurnState {
  readonly problem: string;
  readonly operator: string;
  readonly description: string;
  readonly context?: string;
  readonly rules?: string;
}

/** The compact request of an operator-prompt turn (no system prompt). */
export function buildPromptRequest(state: PromptTurnState): string {
  const parts = [`Read the problem, think about what the ${state.operator} operator should do for it, then write a prompt for the ${state.operator} operator.`];
  if (state.context !== undefined && state.context !== '') parts.push(`Context: ${state.context}`);
  parts.push(`Problem: ${state.problem}`, `${state.operator}: ${state.description}`);
  if (state.rules !== undefined) parts.push(state.rules);
  parts.push(
    [
      'CRITICAL RULES - MUST FOLLOW:',
      '1. Do not use <think>.',
      '2. Do not use XML tags or actions.',
      '3. Write 1-3 sentences.',
      '4. Be specific to this problem.',
      '5. If this is a parallel branch, use a different method from the other branches.',
      '6. Never restate or change the facts of the problem.',
      '7. Copy numbers and names exactly.',
      '8. Describe only the method and the output format.',
    ].join('\n'),
    `Your prompt for ${state.operator}:`,
  );
  return parts.join('\n\n');
}
