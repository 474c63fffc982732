import type { Trajectory } from './rollout.js';

export interface ExportedMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
  /** Assistant messages are the policy's own text (trained); user messages are canvas context. */
  readonly trainable: boolean;
  readonly token_ids?: readonly number[];
}

/** One line of the trajectory export, for external RL engines (verl, SkyRL, Agent Lightning). */
export interface ExportedTrajectory {
  readonly id: string;
  readonly task: { readonly id?: string; readonly problem: string; readonly type: string };
  readonly policy: string;
  readonly messages: readonly ExportedMessage[];
  /** Concatenated token ids of the conversation after the first prompt, when every part is tokenised. */
  readonly token_ids?: readonly number[];
  /** Canvas token mask aligned with `token_ids`: 1 = policy token, 0 = canvas feedback token. */
  readonly loss_mask?: readonly number[];
  readonly final_dsl: string;
  readonly finished: boolean;
  readonly correctness: number;
  readonly reward: number;
  readonly reward_breakdown: Readonly<Record<string, number>>;
  readonly advantage: number;
}

export interface ExportOptions {
  /** Tokenises canvas feedback (with the policy's tokenizer) to produce `token_ids` and `loss_mask`. */
  readonly tokenizeFeedback?: (text: string) => readonly number[];
}

/**
 * Messages in the order the policy lived them: the first observation, then per turn the policy's
 * output (trainable) and the canvas feedback (context). Token ids and the canvas mask are built
 * when the policy reported its token ids and a feedback tokenizer is given.
 */
export function exportTrajectory(trajectory: Trajectory, options: ExportOptions = {}): ExportedTrajectory {
  const messages: ExportedMessage[] = [];
  const first = trajectory.turns[0]?.observation;
  if (first !== undefined) messages.push({ role: 'user', content: first, trainable: false });
  let ids: number[] | undefined = [];
  let mask: number[] = [];
  for (const turn of trajectory.turns) {
    messages.push({ role: 'assistant', content: turn.policyText, trainable: true, ...(turn.tokenIds === undefined ? {} : { token_ids: turn.tokenIds }) });
    messages.push({ role: 'user', content: turn.feedback, trainable: false });
    if (ids !== undefined && turn.tokenIds !== undefined && options.tokenizeFeedback !== undefined) {
      const feedbackIds = options.tokenizeFeedback(turn.feedback);
      ids.push(...turn.tokenIds, ...feedbackIds);
      mask.push(...turn.tokenIds.map(() => 1), ...feedbackIds.map(() => 0));
    } else {
      ids = undefined;
      mask = [];
    }
  }
  return {
    id: trajectory.id,
    task: { ...(trajectory.task.id === undefined ? {} : { id: trajectory.task.id }), problem: trajectory.task.problem, type: trajectory.task.type },
    policy: trajectory.policyId,
    messages,
    ...(ids === undefined || ids.length === 0 ? {} : { token_ids: ids, loss_mask: mask }),
    final_dsl: trajectory.finalDsl,
    finished: trajectory.finished,
    correctness: trajectory.correctness,
    reward: trajectory.reward.total,
    reward_breakdown: { ...trajectory.reward.components, structure: trajectory.reward.structure },
    advantage: trajectory.advantage,
  };
}

export function trajectoriesToJsonl(trajectories: readonly Trajectory[], options: ExportOptions = {}): string {
  return trajectories.map((t) => JSON.stringify(exportTrajectory(t, options))).join('\n') + (trajectories.length > 0 ? '\n' : '');
}
