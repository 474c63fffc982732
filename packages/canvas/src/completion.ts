import { normalizeCompletion, truncateAfterFirstAction } from './actions.js';

/**
 * The generation-side clean-up of one raw policy completion, shared by every path a Flow-Director
 * takes (the app's LLM policy, the RL environment server): think blocks are removed, and an action
 * turn is cut after its first complete action. Prompt turns keep their text (only think blocks go),
 * so training sees exactly what deployment parses.
 */
export function cleanPolicyCompletion(raw: string, turn: { readonly awaitingPrompt: boolean }): string {
  const cleaned = normalizeCompletion(raw);
  return turn.awaitingPrompt ? cleaned : truncateAfterFirstAction(cleaned);
}
