import { Semaphore, type Policy } from '@flowsteer/core';
import { CanvasEnv, runEpisode, type CanvasOptions, type CanvasTask } from '@flowsteer/canvas';
import type { EpisodeEnd, RewardBreakdown } from './reward.js';

export interface TrajectoryTurn {
  readonly round: number;
  readonly kind: 'action' | 'prompt';
  /** The prompt the policy saw (kept only with `keepText`, it is large). */
  readonly observation?: string;
  readonly state: Readonly<Record<string, unknown>>;
  readonly policyText: string;
  readonly tokenIds?: readonly number[];
  readonly logprobs?: readonly number[];
  readonly feedback: string;
  readonly accepted: boolean;
}

export interface Trajectory {
  readonly id: string;
  readonly task: CanvasTask & { readonly id?: string };
  readonly policyId: string;
  readonly turns: readonly TrajectoryTurn[];
  readonly finalDsl: string;
  /** The policy finished (false: the round limit auto-finished the workflow). */
  readonly finished: boolean;
  /** The round limit ended the episode; the canvas auto-finished and scored the workflow. */
  readonly forcedFinish: boolean;
  /** Round of the accepted finish, or null when the round limit ended the episode. */
  readonly finishRound: number | null;
  readonly operatorCount: number;
  readonly correctness: number;
  readonly reward: RewardBreakdown;
  /** Filled in per group after all rollouts of the group finished. */
  advantage: number;
}

export interface RolloutOptions {
  readonly canvas: Omit<CanvasOptions, 'runId'>;
  /** Correctness in [0, 1] of the final canvas, finished or auto-finished (runs or simulates the final workflow). */
  readonly score: (task: CanvasTask, env: CanvasEnv, rolloutId: string) => number | Promise<number>;
  readonly reward: (dsl: string, correctness: number, end: EpisodeEnd) => RewardBreakdown;
  readonly keepText?: boolean;
  readonly signal?: AbortSignal;
}

/** One multi-turn episode of a policy on the canvas, scored and rewarded. */
export async function rollout(policy: Policy, task: CanvasTask & { readonly id?: string }, options: RolloutOptions, id = 'rollout'): Promise<Trajectory> {
  const env = new CanvasEnv({ ...options.canvas, runId: id });
  const turns: TrajectoryTurn[] = [];
  let finishRound: number | null = null;
  await runEpisode(env, policy, task, {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onTurn: ({ observation, output, result }) => {
      turns.push({
        round: result.info.round,
        kind: result.info.kind,
        ...(options.keepText === true ? { observation: observation.text } : {}),
        state: observation.state ?? {},
        policyText: output.text,
        ...(output.tokenIds === undefined ? {} : { tokenIds: output.tokenIds }),
        ...(output.logprobs === undefined ? {} : { logprobs: output.logprobs }),
        feedback: result.feedback,
        accepted: result.info.accepted,
      });
      if (result.done && !result.info.forcedFinish) finishRound = result.info.round;
    },
  });
  // Whatever did not end in the policy's finish was ended by the round limit; its canvas stands as
  // the auto-finished workflow (the reference's behaviour).
  const forcedFinish = finishRound === null;
  const correctness = await options.score(task, env, id);
  const finalDsl = env.graph.toDsl();
  return {
    id,
    task,
    policyId: policy.id,
    turns,
    finalDsl,
    finished: finishRound !== null,
    forcedFinish,
    finishRound,
    operatorCount: env.graph.statistics().totalOperators,
    correctness,
    reward: options.reward(finalDsl, correctness, { forcedFinish }),
    advantage: 0,
  };
}

/**
 * G rollouts per task, run concurrently within `concurrency`; returns one group per task in task
 * order (rollout order inside a group is stable too).
 */
export async function rolloutGroups(
  createPolicy: (taskIndex: number, sample: number) => Policy,
  tasks: readonly (CanvasTask & { readonly id?: string })[],
  groupSize: number,
  options: RolloutOptions & { readonly concurrency?: number },
): Promise<Trajectory[][]> {
  const semaphore = new Semaphore(options.concurrency ?? 8);
  return Promise.all(
    tasks.map((task, t) =>
      Promise.all(
        Array.from({ length: groupSize }, (_, g) =>
          semaphore.run(() => rollout(createPolicy(t, g), task, options, `${task.id ?? `task${t}`}#${g}`), options.signal),
        ),
      ),
    ),
  );
}
