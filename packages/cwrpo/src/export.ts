import { FlowSteerError } from '@flowsteer/core';
import type { Trajectory } from './rollout.js';

/**
 * One policy turn as an LLM RL engine trains on it (format `flowsteer.turn-sample`, version 1).
 * The prompt is exactly what the policy saw that turn (the canvas rebuilds it every turn, so turns
 * are independent samples, not one growing chat); the reward is the episode's, on every turn.
 */
export interface TurnSample {
  readonly format: 'flowsteer.turn-sample';
  readonly version: 1;
  readonly episode_id: string;
  readonly turn_index: number;
  readonly round: number;
  readonly kind: 'action' | 'prompt';
  readonly task: { readonly id?: string; readonly problem: string; readonly type: string };
  readonly policy: string;
  /** The exact prompt text, and the chat form the policy sent (one user message). */
  readonly prompt: string;
  readonly prompt_messages: ReadonlyArray<{ readonly role: 'user'; readonly content: string }>;
  readonly completion: string;
  /** Prompt token ids, when a tokenizer is given. */
  readonly prompt_token_ids?: readonly number[];
  /** Completion token ids, when the LLM backend returned them. */
  readonly completion_token_ids?: readonly number[];
  readonly completion_logprobs?: readonly number[];
  /** Aligned with prompt_token_ids ++ completion_token_ids: canvas tokens 0, policy tokens 1. */
  readonly loss_mask?: readonly number[];
  /** The local MLP policy's action index (0–19) this turn; never a token id. */
  readonly mlp_action_index?: number;
  readonly feedback: string;
  readonly accepted: boolean;
  /** True on the episode's last turn. */
  readonly done: boolean;
  readonly reward: number;
  readonly advantage: number;
  readonly reward_breakdown: Readonly<Record<string, number | boolean>>;
  readonly final_dsl: string;
  readonly finished: boolean;
  readonly correctness: number;
}

export interface ExportOptions {
  /** What `TrajectoryTurn.tokenIds` holds: LLM completion tokens, or the local MLP's action index. */
  readonly tokenIds: 'llm' | 'mlp-action';
  /** Tokenises a prompt with the policy's tokenizer, for `prompt_token_ids` and `loss_mask`. */
  readonly tokenizePrompt?: (text: string) => readonly number[];
}

/** Thrown when a trajectory was rolled out without its prompts (`keepText`), which the export needs. */
export class MissingPromptError extends FlowSteerError {
  constructor(message: string) {
    super('VALIDATION_FAILED', message);
  }
}

/** The per-turn samples of one trajectory, in turn order. */
export function exportTurnSamples(trajectory: Trajectory, options: ExportOptions): TurnSample[] {
  const last = trajectory.turns.length - 1;
  return trajectory.turns.map((turn, index): TurnSample => {
    if (turn.observation === undefined) throw new MissingPromptError(`trajectory ${trajectory.id} turn ${index} has no prompt: roll out with keepText`);
    const llmIds = options.tokenIds === 'llm' ? turn.tokenIds : undefined;
    const promptIds = llmIds === undefined ? undefined : options.tokenizePrompt?.(turn.observation);
    const actionIndex = options.tokenIds === 'mlp-action' && turn.tokenIds !== undefined && turn.tokenIds.length === 1 ? turn.tokenIds[0] : undefined;
    return {
      format: 'flowsteer.turn-sample',
      version: 1,
      episode_id: trajectory.id,
      turn_index: index,
      round: turn.round,
      kind: turn.kind,
      task: { ...(trajectory.task.id === undefined ? {} : { id: trajectory.task.id }), problem: trajectory.task.problem, type: trajectory.task.type },
      policy: trajectory.policyId,
      prompt: turn.observation,
      prompt_messages: [{ role: 'user', content: turn.observation }],
      completion: turn.policyText,
      ...(promptIds === undefined ? {} : { prompt_token_ids: promptIds }),
      ...(llmIds === undefined ? {} : { completion_token_ids: llmIds }),
      ...(llmIds !== undefined && turn.logprobs !== undefined ? { completion_logprobs: turn.logprobs } : {}),
      ...(promptIds === undefined || llmIds === undefined ? {} : { loss_mask: [...promptIds.map(() => 0), ...llmIds.map(() => 1)] }),
      ...(actionIndex === undefined ? {} : { mlp_action_index: actionIndex }),
      feedback: turn.feedback,
      accepted: turn.accepted,
      done: index === last,
      reward: trajectory.reward.total,
      advantage: trajectory.advantage,
      reward_breakdown: { ...trajectory.reward.components, structure: trajectory.reward.structure, released: trajectory.reward.released, correctness: trajectory.reward.correctness, total: trajectory.reward.total },
      final_dsl: trajectory.finalDsl,
      finished: trajectory.finished,
      correctness: trajectory.correctness,
    };
  });
}

/** JSONL, one turn sample per line. */
export function turnSamplesToJsonl(trajectories: readonly Trajectory[], options: ExportOptions): string {
  const lines = trajectories.flatMap((t) => exportTurnSamples(t, options)).map((sample) => JSON.stringify(sample));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
