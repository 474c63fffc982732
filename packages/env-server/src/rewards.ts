import { REWARD_SCHEDULES, correctnessReward, cwrpoReward, type RewardBreakdown } from '@flowsteer/cwrpo';
import { EnvRequestError } from './errors.js';

/** CWRPO schedules by name, plus `correctness` (the plain-correctness ablation). */
export const REWARD_CHOICES: readonly string[] = [...Object.keys(REWARD_SCHEDULES), 'correctness'];

export type RewardFunction = (dsl: string, correctness: number) => RewardBreakdown;

/** The reward function a session was opened with; the computation is cwrpo's own. */
export function rewardFunction(name: string): RewardFunction {
  if (name === 'correctness') return correctnessReward;
  const schedule = REWARD_SCHEDULES[name];
  if (schedule === undefined) throw new EnvRequestError('BAD_REQUEST', `unknown reward schedule "${name}"; known: ${REWARD_CHOICES.join(', ')}`);
  return (dsl, correctness) => cwrpoReward(dsl, correctness, schedule);
}
