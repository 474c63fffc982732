import { REWARD_SCHEDULES, correctnessReward, cwrpoReward, type EpisodeEnd, type RewardBreakdown } from '@flowsteer/cwrpo';
import { EnvRequestError } from './errors.js';

/** CWRPO schedules by name, plus `correctness` (the plain-correctness ablation). */
export const REWARD_CHOICES: readonly string[] = [...Object.keys(REWARD_SCHEDULES), 'correctness'];

/** `end.forcedFinish`: the round limit ended the episode, and the schedule's forced-finish penalty applies. */
export type RewardFunction = (dsl: string, correctness: number, end: EpisodeEnd) => RewardBreakdown;

/** The reward function a session was opened with; the computation is cwrpo's own. */
export function rewardFunction(name: string): RewardFunction {
  if (name === 'correctness') return (dsl, correctness, end) => correctnessReward(dsl, correctness, end);
  const schedule = REWARD_SCHEDULES[name];
  if (schedule === undefined) throw new EnvRequestError('BAD_REQUEST', `unknown reward schedule "${name}"; known: ${REWARD_CHOICES.join(', ')}`);
  return (dsl, correctness, end) => cwrpoReward(dsl, correctness, schedule, end);
}
