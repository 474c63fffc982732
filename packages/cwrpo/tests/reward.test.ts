import { describe, expect, it } from 'vitest';
import { FORCED_FINISH_PENALTY, MILESTONE_SCHEDULE, REFERENCE_SCHEDULE, REFERENCE_SCHEDULE_WITH_LOOP_BUG, REWARD_SCHEDULES, correctnessReward, cwrpoReward, groupAdvantages, tokenRewards } from '../src/index.js';

// Spec §7 worked examples (R1–R15): DSL, correctness → structure reward, total.
const vectors: Array<[string, number, number, number]> = [
  ['', 1, 0, -1],
  ['Custom', 1, 0, -1],
  ['Plan -> Verify', 1, 0.2, -0.8],
  ['Plan -> Verify -> Format', 1, 0.4, -0.6],
  ['Plan -> [Programmer, Custom] -> Verify -> Format', 1, 0.8, -0.19999999999999996],
  ['Plan -> Decompose -> [Programmer, Custom] -> Aggregate -> Verify -> Format', 1, 1, 1],
  ['Plan -> Decompose -> [Programmer, Custom] -> Aggregate -> Verify -> Format', 0, 1, 0],
  ['Plan -> Decompose -> [Programmer, Custom] -> Aggregate -> Verify -> Format', 0.9, 1, 0.9],
  ['Plan -> Decompose -> Programmer -> Custom -> Test -> Verify -> Format', 1, 0.6000000000000001, -0.3999999999999999],
  ['Plan -> [Programmer, Custom] -> ScEnsemble -> Review ? Revise : done -> Format', 0.5, 1, 0.5],
  ['Programmer -> (Test -> Revise) * 3 -> Format -> Custom -> Plan', 1, 0.6000000000000001, -0.3999999999999999],
  ['Plan -> Decompose -> [Programmer, Review, Revise]x2 -> Test -> Verify -> Format', 1, 1, 1],
  ['Plan -> [Custom, CustomCodeGenerate] -> MdEnsemble -> Verify -> Format', 1, 0.8, -0.19999999999999996],
  ['Custom -> Custom -> Custom -> Custom -> Custom -> Verify ? Revise : done -> Format', 1, 1, 1],
  ['Review ? Revise : done', 1, 0.6000000000000001, -0.3999999999999999],
];

describe('CWRPO reward (spec §7, R1–R15 with the reference schedule)', () => {
  it.each(vectors)('%s (correctness %s)', (dsl, correctness, structure, total) => {
    const reward = cwrpoReward(dsl, correctness, REFERENCE_SCHEDULE_WITH_LOOP_BUG);
    expect(reward.structure).toBe(structure);
    expect(reward.total).toBe(total);
    expect(reward.released).toBe(structure >= 1);
  });

  it('recognises canvas loops by default (the reference regex missed them)', () => {
    const dsl = 'Programmer -> (Test -> Revise) * 3 -> Format -> Custom -> Plan';
    expect(cwrpoReward(dsl, 1, REFERENCE_SCHEDULE_WITH_LOOP_BUG).released).toBe(false);
    const fixed = cwrpoReward(dsl, 1);
    expect(fixed).toMatchObject({ structure: 1, released: true, total: 1 });
    expect(fixed.components).toEqual({ checker: 0.2, format: 0.2, operatorCount: 0.2, specialStructure: 0.4 });
  });

  it('releases correctness only at full structure and stays within [-1, 1]', () => {
    for (const [dsl] of vectors) {
      for (const c of [0, 0.3, 1]) {
        const r = cwrpoReward(dsl, c);
        expect(r.total).toBeGreaterThanOrEqual(-1);
        expect(r.total).toBeLessThanOrEqual(1);
        if (!r.released) expect(r.total).toBeLessThanOrEqual(-0.19);
        else expect(r.total).toBeCloseTo(c, 12);
      }
    }
  });

  it('supports the milestone schedule and the plain-correctness baseline', () => {
    const dsl = 'Plan -> [Programmer, Custom] -> Aggregate -> Verify ? Revise : done -> (Review -> Revise) * 2 -> Format';
    const milestones = cwrpoReward(dsl, 0.7, MILESTONE_SCHEDULE);
    expect(milestones.components).toMatchObject({ parallel: 0.2, conditional: 0.15, loop: 0.1, multiStructure: 0.15, totalOps8: 0.1 });
    expect(milestones.structure).toBe(1);
    expect(milestones.total).toBeCloseTo(0.7, 12);
    expect(cwrpoReward('Plan -> Custom', 1, MILESTONE_SCHEDULE).released).toBe(false);
    expect(correctnessReward('Custom', 1)).toMatchObject({ total: 1, structure: 0 });
  });

  it('R16: group advantages', () => {
    expect(groupAdvantages([-1, 0, 1])).toEqual([-1.224744871391589, 0, 1.224744871391589]);
    expect(groupAdvantages([0.5, 0.5, 0.5])).toEqual([0, 0, 0]);
    expect(groupAdvantages([1])).toEqual([0]);
  });

  it('R17: token-level reward on the last policy token', () => {
    const total = cwrpoReward('Plan -> Verify', 1).total;
    expect(tokenRewards([1, 1, 0, 0, 1, 0], total)).toEqual({ rewards: [0, 0, 0, 0, -0.8, 0], position: 4 });
  });
});

describe('episodes ended by the round limit', () => {
  const full = 'Plan -> [Programmer, Custom] -> ScEnsemble -> Verify ? Revise : done -> Format';

  it('are auto-finished and scored, marked forcedFinish, and always earn less than the same workflow finished', () => {
    for (const correctness of [0, 1]) {
      const finished = cwrpoReward(full, correctness);
      const forced = cwrpoReward(full, correctness, REFERENCE_SCHEDULE, { forcedFinish: true });
      expect(finished).toMatchObject({ forcedFinish: false, forcedFinishPenalty: 0 });
      expect(forced).toMatchObject({ forcedFinish: true, forcedFinishPenalty: FORCED_FINISH_PENALTY, released: true, correctness });
      expect(forced.total).toBeCloseTo(finished.total - FORCED_FINISH_PENALTY, 12);
    }
  });

  it('never pay "never finish" like a finished wrong answer, in every schedule and in the plain baseline', () => {
    for (const schedule of Object.values(REWARD_SCHEDULES)) {
      expect(schedule.forcedFinishPenalty).toBeGreaterThan(0);
      for (const dsl of [full, 'Custom', '']) {
        expect(cwrpoReward(dsl, 0, schedule, { forcedFinish: true }).total).toBeLessThan(cwrpoReward(dsl, 0, schedule).total);
      }
    }
    expect(correctnessReward(full, 0, { forcedFinish: true }).total).toBeLessThan(correctnessReward(full, 0).total);
    expect(correctnessReward(full, 1, { forcedFinish: true })).toMatchObject({ forcedFinish: true, total: 1 - FORCED_FINISH_PENALTY });
  });

  it('reads checker and formatter roles from the canvas vocabulary categories', () => {
    expect(cwrpoReward('Custom -> Test', 0).components['checker']).toBe(0.2);
    expect(cwrpoReward('Custom -> Revise', 0).components['checker']).toBe(0);
    expect(cwrpoReward('Custom -> Format', 0).components['format']).toBe(0.2);
  });
});
