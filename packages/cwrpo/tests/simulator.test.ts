import { describe, expect, it } from 'vitest';
import { ACTIONS, NO_ANSWER_PROBABILITY, TEMPLATES, WorkflowSimulator, ceilingOn, isChecker, isFormatter, isSolver, parseDslForTests, searchCeiling, searchFamilyOptimum, workflowLogit, type SimFamily } from './support.js';

const sim = new WorkflowSimulator();
// A cheaper search than the study's (exhaustive to 2 actions, then a beam), enough for these properties.
const ceiling = searchCeiling({ exhaustiveDepth: 2, beamWidth: 300 });
/** Success probability at difficulty 0. */
const p = (family: SimFamily, dsl: string): number => sim.probabilityOfNodes({ family, difficulty: 0 }, parseDslForTests(dsl).nodes);
const repeat = (block: string, times: number): string => Array.from({ length: times }, () => block).join(' -> ');

describe('the workflow simulator has no shortcuts left', () => {
  it('a repair conditional before any solver is inert: it earns nothing and costs a little', () => {
    expect(p('math', 'Verify ? Revise : done -> Programmer -> Format')).toBeLessThan(p('math', 'Programmer -> Format'));
    expect(p('qa', 'Review ? Revise : done -> AnswerGenerate -> Format')).toBeLessThan(p('qa', 'AnswerGenerate -> Format'));
    // The same conditional after the solver is what helps.
    expect(p('math', 'Programmer -> Verify ? Revise : done -> Format')).toBeGreaterThan(p('math', 'Programmer -> Format') + 0.1);
  });

  it('the embedded policy\'s old math opening `Verify ? Revise : done` no longer pays', () => {
    const old = 'Verify ? Revise : done -> AnswerGenerate -> [Programmer, Custom] -> Format -> Verify ? Revise : done -> Format';
    expect(p('math', old)).toBeLessThan(p('math', 'AnswerGenerate -> [Programmer, Custom] -> Verify ? Revise : done -> Format'));
  });

  it('copies of a repair conditional pay nothing: one copy beats two and three', () => {
    const one = p('code', 'Programmer -> Test ? Programmer : done -> Format');
    expect(p('code', `Programmer -> ${repeat('Test ? Programmer : done', 2)} -> Format`)).toBeLessThan(one);
    expect(p('code', `Programmer -> ${repeat('Test ? Programmer : done', 3)} -> Format`)).toBeLessThan(one);
    expect(p('math', `Programmer -> ${repeat('Verify ? Revise : done', 3)} -> Format`)).toBeLessThan(p('math', 'Programmer -> Verify ? Revise : done -> Format'));
  });

  it('six `Test ? Programmer : done` with no solver and no Format answer nothing', () => {
    const six = repeat('Test ? Programmer : done', 6);
    expect(p('code', six)).toBe(NO_ANSWER_PROBABILITY);
    expect(p('code', six)).toBeLessThan(p('code', 'Programmer -> Format'));
  });

  it('code needs a solver before Test: tests before any code earn nothing', () => {
    expect(p('code', 'Test -> Programmer -> Format')).toBeLessThanOrEqual(p('code', 'Programmer -> Format'));
    expect(p('code', 'Test ? Programmer : done -> Programmer -> Format')).toBeLessThan(p('code', 'Programmer -> Format'));
    expect(p('code', 'Custom -> Test ? Programmer : done -> Format')).toBeLessThan(p('code', 'Programmer -> Test ? Programmer : done -> Format'));
  });

  it('Format counts only at the end: a mid-workflow Format costs even when another Format is last', () => {
    expect(p('math', 'Programmer -> Format -> Verify ? Revise : done -> Format')).toBeLessThan(p('math', 'Programmer -> Verify ? Revise : done -> Format'));
    expect(p('qa', 'AnswerGenerate -> Format -> Format')).toBeLessThan(p('qa', 'AnswerGenerate -> Format'));
    expect(p('qa', 'AnswerGenerate -> Format')).toBeGreaterThan(p('qa', 'AnswerGenerate'));
  });

  it('a checker helps only once an answer exists, and a standalone check only when something acts on it', () => {
    expect(p('qa', 'Review -> Revise -> AnswerGenerate')).toBe(p('qa', 'AnswerGenerate'));
    expect(p('qa', 'AnswerGenerate -> Review')).toBe(p('qa', 'AnswerGenerate'));
    expect(p('qa', 'AnswerGenerate -> Review -> Revise')).toBeGreaterThan(p('qa', 'AnswerGenerate'));
    // A check of an unmerged parallel block has no single answer to check.
    expect(p('math', '[Programmer, Custom] -> Verify ? Revise : done -> ScEnsemble')).toBeLessThan(p('math', '[Programmer, Custom] -> ScEnsemble -> Verify ? Revise : done'));
  });

  it('repeated structures and solvers have diminishing returns', () => {
    const gain = (from: string, to: string): number => (workflowLogit('math', 0, parseDslForTests(to).nodes) ?? 0) - (workflowLogit('math', 0, parseDslForTests(from).nodes) ?? 0);
    expect(gain('Programmer', 'Programmer -> Custom')).toBeLessThan(gain('Custom', 'Custom -> Programmer') + 1e-9 + 1.4);
    expect(gain('Programmer -> Programmer', 'Programmer -> Programmer -> Programmer')).toBeLessThan(gain('Programmer', 'Programmer -> Programmer'));
    expect(gain('Programmer -> (Review -> Revise) * 2', 'Programmer -> (Review -> Revise) * 2 -> (Review -> Revise) * 2')).toBeLessThanOrEqual(0);
  });

  it('planning helps before the first answer and hurts after it', () => {
    expect(p('math', 'Plan -> Programmer')).toBeGreaterThan(p('math', 'Programmer'));
    expect(p('math', 'Programmer -> Plan')).toBeLessThan(p('math', 'Programmer'));
  });

  it('holds for any workflow: random action sequences never beat the searched ceiling', () => {
    let state = 12345;
    const next = (n: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % n;
    };
    const adds = ACTIONS.filter((a) => a.shape.kind !== 'finish');
    for (let i = 0; i < 400; i++) {
      const family = (['math', 'qa', 'code'] as const)[i % 3] as SimFamily;
      const length = 1 + next(8);
      const dsl = Array.from({ length }, () => (adds[next(adds.length)] as (typeof adds)[number]).name)
        .map((name) => name.replace(/^add /, '').replace(/^parallel /, '').replace(/^conditional /, '').replace(/^loop /, ''))
        .join(' -> ');
      if (family !== 'code' && dsl.includes('Test')) continue;
      expect(workflowLogit(family, 0, parseDslForTests(dsl).nodes) ?? -Infinity).toBeLessThanOrEqual(ceiling.byFamily[family].logit + 1e-12);
    }
  });
});

describe('the ceiling search', () => {
  it('finds for every family a workflow at least as good as every template, and an expert-looking one', () => {
    for (const family of ['math', 'qa', 'code'] as const) {
      const optimum = ceiling.byFamily[family];
      for (const dsl of Object.values(TEMPLATES)) {
        if (family !== 'code' && dsl.includes('Test')) continue;
        expect(optimum.logit).toBeGreaterThanOrEqual(workflowLogit(family, 0, parseDslForTests(dsl).nodes) ?? -Infinity);
      }
      const order = optimum.dsl.split(/ -> |[[\],?:]/).map((s) => s.trim()).filter((s) => s !== '' && s !== 'done' && !s.startsWith('('));
      const firstSolver = order.findIndex(isSolver);
      expect(order.findIndex(isChecker)).toBeGreaterThan(firstSolver);
      expect(order.slice(0, -1).some(isFormatter)).toBe(false);
    }
  });

  it('agrees with the exhaustive search over short workflows and is a mean over tasks of the family optimum', () => {
    const exhaustive = searchFamilyOptimum('qa', { exhaustiveDepth: 3, beamWidth: 1, maxRounds: 9 });
    const wide = searchFamilyOptimum('qa', { exhaustiveDepth: 3, beamWidth: 5000, maxRounds: 9 });
    expect(wide.logit).toBe(exhaustive.logit);
    const tasks = sim.taskSet(30, 4);
    const on = ceilingOn(ceiling, tasks);
    expect(on.mean).toBeCloseTo(tasks.reduce((s, t) => s + sim.probabilityOfNodes(t, parseDslForTests(ceiling.byFamily[t.family].dsl).nodes), 0) / tasks.length, 12);
  });
});
