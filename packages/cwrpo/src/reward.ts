import { isChecker, isFormatter } from './operator-roles.js';

/**
 * The CWRPO reward: a base penalty, a diversity-constrained structure reward (capped), and the
 * correctness reward released only when the structure reward is full ("conditional release").
 * The schedule is data, so the reference weights and the config file's milestone scheme are two
 * named values of one type.
 *
 * An episode ended by the round limit is auto-finished as in the reference: its workflow is run
 * and scored like any other, and the schedule's `forcedFinishPenalty` is subtracted, so that not
 * finishing never earns what finishing the same workflow earns. The breakdown says which it was
 * (`forcedFinish`).
 */

export interface DslFacts {
  /** Operator occurrences counted by the reward (duplicates included). */
  readonly operators: readonly string[];
  readonly uniqueOperators: number;
  readonly hasParallel: boolean;
  readonly hasConditional: boolean;
  readonly hasLoop: boolean;
}

export interface RewardComponent {
  readonly name: string;
  readonly weight: number;
  readonly when: (facts: DslFacts) => boolean;
}

export interface RewardSchedule {
  readonly name: string;
  readonly base: number;
  /** The structure reward is capped here, and correctness is released only at this value. */
  readonly cap: number;
  /** Operator names the reward counts (the reference counts 12; CustomCodeGenerate and MdEnsemble do not). */
  readonly countedOperators: readonly string[];
  /**
   * How loops are recognised: `canvas` accepts the canvas notation `(A -> B) * n` and the prompt
   * notation `[..]x2`; `reference` only `x\s*\d+`, so canvas loops earn nothing (reference bug).
   */
  readonly loopNotation: 'canvas' | 'reference';
  /** Summed in this order (float results depend on it). */
  readonly components: readonly RewardComponent[];
  /** Subtracted from the total of an episode the round limit auto-finished. */
  readonly forcedFinishPenalty: number;
}

/** What the reward needs to know about how the episode ended. */
export interface EpisodeEnd {
  /** The round limit ended the episode and the canvas auto-finished the workflow. */
  readonly forcedFinish: boolean;
}

/** Default penalty for an auto-finished episode: a forced correct answer earns less than a finished one, a forced wrong one less than a finished wrong one. */
export const FORCED_FINISH_PENALTY = 0.5;

export const REFERENCE_COUNTED_OPERATORS: readonly string[] = ['Plan', 'Decompose', 'Programmer', 'Custom', 'Test', 'Review', 'Verify', 'Revise', 'ScEnsemble', 'Aggregate', 'AnswerGenerate', 'Format'];

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Reads the facts the reward needs from a canonical DSL string. */
export function dslFacts(dsl: string, schedule: Pick<RewardSchedule, 'countedOperators' | 'loopNotation'>): DslFacts {
  const pattern = new RegExp(`\\b(${schedule.countedOperators.map(escape).join('|')})\\b`, 'g');
  const operators = [...dsl.matchAll(pattern)].map((m) => m[1] as string);
  const referenceLoop = /x\s*\d+/.test(dsl);
  const canvasLoop = /\)\s*\*\s*\d+/.test(dsl);
  return {
    operators,
    uniqueOperators: new Set(operators).size,
    hasParallel: dsl.includes('[') && dsl.includes(']'),
    hasConditional: dsl.includes('?') && dsl.includes(':'),
    hasLoop: schedule.loopNotation === 'canvas' ? referenceLoop || canvasLoop : referenceLoop,
  };
}

/** The calculator the reference trains with: checker, Format, ≥ 6 operators, a special structure. */
export const REFERENCE_SCHEDULE: RewardSchedule = {
  name: 'reference',
  base: -1,
  cap: 1,
  countedOperators: REFERENCE_COUNTED_OPERATORS,
  loopNotation: 'canvas',
  forcedFinishPenalty: FORCED_FINISH_PENALTY,
  components: [
    { name: 'checker', weight: 0.2, when: (f) => f.operators.some(isChecker) },
    { name: 'format', weight: 0.2, when: (f) => f.operators.some(isFormatter) },
    { name: 'operatorCount', weight: 0.2, when: (f) => f.operators.length >= 6 },
    { name: 'specialStructure', weight: 0.4, when: (f) => f.hasParallel || f.hasConditional || f.hasLoop },
  ],
};

/** The reference exactly, loop bug included (canvas loops earn no structure credit). */
export const REFERENCE_SCHEDULE_WITH_LOOP_BUG: RewardSchedule = { ...REFERENCE_SCHEDULE, name: 'reference-loop-bug', loopNotation: 'reference' };

/** The milestone scheme of the reference's config file (which its code never read). */
export const MILESTONE_SCHEDULE: RewardSchedule = {
  name: 'milestones',
  base: -1,
  cap: 1,
  countedOperators: REFERENCE_COUNTED_OPERATORS,
  loopNotation: 'canvas',
  forcedFinishPenalty: FORCED_FINISH_PENALTY,
  components: [
    { name: 'uniqueTypes3', weight: 0.1, when: (f) => f.uniqueOperators >= 3 },
    { name: 'uniqueTypes4', weight: 0.1, when: (f) => f.uniqueOperators >= 4 },
    { name: 'uniqueTypes5', weight: 0.1, when: (f) => f.uniqueOperators >= 5 },
    { name: 'uniqueTypes6', weight: 0.1, when: (f) => f.uniqueOperators >= 6 },
    { name: 'totalOps6', weight: 0.1, when: (f) => f.operators.length >= 6 },
    { name: 'totalOps8', weight: 0.1, when: (f) => f.operators.length >= 8 },
    { name: 'parallel', weight: 0.2, when: (f) => f.hasParallel },
    { name: 'conditional', weight: 0.15, when: (f) => f.hasConditional },
    { name: 'loop', weight: 0.1, when: (f) => f.hasLoop },
    { name: 'multiStructure', weight: 0.15, when: (f) => [f.hasParallel, f.hasConditional, f.hasLoop].filter(Boolean).length >= 2 },
  ],
};

export const REWARD_SCHEDULES: Readonly<Record<string, RewardSchedule>> = {
  reference: REFERENCE_SCHEDULE,
  'reference-loop-bug': REFERENCE_SCHEDULE_WITH_LOOP_BUG,
  milestones: MILESTONE_SCHEDULE,
};

export interface RewardBreakdown {
  readonly components: Readonly<Record<string, number>>;
  readonly structure: number;
  readonly released: boolean;
  readonly correctness: number;
  /** The round limit auto-finished this episode (the total includes `forcedFinishPenalty`). */
  readonly forcedFinish: boolean;
  /** What was subtracted for the forced finish (0 when the policy finished). */
  readonly forcedFinishPenalty: number;
  /** Subtracted for the simulated tokens the workflow spends, when the trainer's token penalty is on. */
  readonly tokenCostPenalty?: number;
  readonly total: number;
}

const FINISHED: EpisodeEnd = { forcedFinish: false };

/** CWRPO reward of a final workflow with the given correctness in [0, 1]. */
export function cwrpoReward(dsl: string, correctness: number, schedule: RewardSchedule = REFERENCE_SCHEDULE, end: EpisodeEnd = FINISHED): RewardBreakdown {
  const facts = dslFacts(dsl, schedule);
  const components: Record<string, number> = {};
  let sum = 0;
  for (const component of schedule.components) {
    const value = dsl.trim() !== '' && component.when(facts) ? component.weight : 0;
    components[component.name] = value;
    sum += value;
  }
  const structure = Math.min(schedule.cap, sum);
  const released = structure >= schedule.cap;
  const penalty = end.forcedFinish ? schedule.forcedFinishPenalty : 0;
  const total = schedule.base + structure + (released ? correctness : 0);
  return { components, structure, released, correctness, forcedFinish: end.forcedFinish, forcedFinishPenalty: penalty, total: penalty === 0 ? total : total - penalty };
}

/** The plain-correctness reward of an ablation baseline (no structure shaping; the same forced-finish penalty). */
export function correctnessReward(_dsl: string, correctness: number, end: EpisodeEnd = FINISHED, forcedFinishPenalty = FORCED_FINISH_PENALTY): RewardBreakdown {
  const penalty = end.forcedFinish ? forcedFinishPenalty : 0;
  return { components: {}, structure: 0, released: true, correctness, forcedFinish: end.forcedFinish, forcedFinishPenalty: penalty, total: penalty === 0 ? correctness : correctness - penalty };
}

/** Token-level rewards: zeros, with the total on the last policy token (mask 1). */
export function tokenRewards(mask: readonly number[], total: number): { rewards: number[]; position: number } {
  const rewards = mask.map(() => 0);
  const position = mask.lastIndexOf(1);
  if (position >= 0) rewards[position] = total;
  return { rewards, position };
}
