import { throwIfAborted, type Observation, type Policy, type PolicyOutput } from '@flowsteer/core';
import type { CanvasEnv, CanvasTask, StepResult } from './env.js';

export interface EpisodeTurn {
  readonly observation: Observation;
  readonly output: PolicyOutput;
  readonly result: StepResult;
}

/**
 * Plays one episode: the policy acts on each observation until the canvas finishes or the policy
 * has been asked `maxRounds` times (the canvas's own limit). `onTurn` sees every turn.
 */
export async function runEpisode(env: CanvasEnv, policy: Policy, task: CanvasTask, options: { signal?: AbortSignal; onTurn?: (turn: EpisodeTurn) => void } = {}): Promise<{ turns: number; finished: boolean }> {
  const signal = options.signal ?? new AbortController().signal;
  let observation = env.reset(task).observation;
  let turns = 0;
  let finished = false;
  while (!env.done && turns < env.maxRounds) {
    throwIfAborted(signal, 'episode');
    const output = await policy.act(observation, signal);
    const result = await env.step(output.text, signal);
    turns++;
    options.onTurn?.({ observation, output, result });
    if (result.done && !result.info.forcedFinish) finished = true;
    observation = result.observation;
  }
  return { turns, finished };
}
