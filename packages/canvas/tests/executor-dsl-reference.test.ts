import { describe, expect, it } from 'vitest';
import { parseDslExecutorReference, type ExecutorStage } from '../src/reference/index.js';

const S = (operator: string): ExecutorStage => ({ type: 'single', operator });
const P = (...operators: string[]): ExecutorStage => ({ type: 'parallel', operators });
const C = (condition: string, trueBranch: string, falseBranch: string): ExecutorStage => ({ type: 'conditional', condition, trueBranch, falseBranch });
const stages = (dsl: string, type = 'math') => {
  const parsed = parseDslExecutorReference(dsl, type);
  if (!parsed.valid) throw new Error(`invalid: ${parsed.error}`);
  return parsed.stages;
};

describe('parseDslExecutorReference (spec §12.3 and the §1.8(b) table)', () => {
  it('X1: plan, parallel, ensemble and a conditional', () => {
    expect(stages('Plan -> [Custom, Programmer] -> ScEnsemble -> Review ? Revise : done')).toEqual([S('Plan'), P('Custom', 'Programmer'), S('ScEnsemble'), C('Review', 'Revise', 'done')]);
  });

  it('X2, X3, X7: loops are unrolled (at most 5 times) and consecutive duplicates merged', () => {
    expect(stages('Plan -> (Review -> Revise) * 2 -> Format')).toEqual([S('Plan'), S('Review'), S('Revise'), S('Review'), S('Revise'), S('Format')]);
    expect(stages('(Custom) * 3')).toEqual([S('Custom')]);
    const long = stages('Custom -> (Review -> Revise) * 9');
    expect(long).toHaveLength(11);
    expect(long.slice(1)).toEqual(Array.from({ length: 5 }, () => [S('Review'), S('Revise')]).flat());
  });

  it('X4: de-duplicates consecutive singles but never bracketed parts', () => {
    expect(stages('Custom -> Custom -> Verify')).toEqual([S('Custom'), S('Verify')]);
    expect(stages('[Custom, Custom] -> [Custom, Custom]')).toEqual([P('Custom', 'Custom'), P('Custom', 'Custom')]);
  });

  it('X5, X6: drops a bare Test for math only, and keeps conditionals on Test', () => {
    expect(stages('Programmer -> Test -> Format', 'math')).toEqual([S('Programmer'), S('Format')]);
    expect(stages('Programmer -> Test -> Format', 'qa')).toEqual([S('Programmer'), S('Test'), S('Format')]);
    expect(stages('Programmer -> Test ? Programmer : done', 'math')).toEqual([S('Programmer'), C('Test', 'Programmer', 'done')]);
  });

  it('X8, X9: renames unknown words to operators and drops numbers and trailing done', () => {
    expect(stages('Coder -> Check -> Fix')).toEqual([S('Programmer'), S('Verify'), S('Revise')]);
    expect(stages('Custom -> Foo')).toEqual([S('Custom')]);
    expect(stages('[Custom, Foo]')).toEqual([P('Custom', 'Custom')]);
    expect(stages('Custom -> 5 -> Verify')).toEqual([S('Custom'), S('Verify')]);
    expect(stages('Custom -> done')).toEqual([S('Custom')]);
  });

  it('X10: conditionals with and without spaces, and done as the true branch', () => {
    expect(stages('Verify?Revise:done')).toEqual([C('Verify', 'Revise', 'done')]);
    expect(stages('Custom -> Review ? done : Revise')).toEqual([S('Custom'), C('Review', 'done', 'Revise')]);
    expect(stages('Review ? Revise : Format')).toEqual([C('Review', 'Revise', 'Format')]);
  });

  it('X11: single letters become some operator (the reference order varied; this port is repeatable)', () => {
    const first = stages('A -> B');
    expect(first).toHaveLength(2);
    expect(stages('A -> B')).toEqual(first);
  });

  it('strips tags, code fences and leading junk before parsing', () => {
    expect(stages('<workflow>```dsl\nPlan -> Custom\n```</workflow>')).toEqual([S('Plan'), S('Custom')]);
    expect(stages('Workflow: Plan -> Custom -> Format')).toEqual([S('Plan'), S('Custom'), S('Format')]);
    expect(stages('Here is my design Plan -> Custom')).toEqual([S('Plan'), S('Custom')]);
    expect(stages('noise <output>Plan -> Verify</output> trailing')).toEqual([S('Plan'), S('Verify')]);
  });

  it('keeps only the first 15 parts', () => {
    const names = ['Plan', 'Custom', 'Verify', 'Revise', 'Format'];
    const dsl = Array.from({ length: 20 }, (_, i) => names[i % names.length]).join(' -> ');
    expect(stages(dsl)).toHaveLength(15);
  });

  it('reports the reference error strings for what it cannot parse', () => {
    expect(parseDslExecutorReference('   ')).toEqual({ valid: false, error: 'DSL' });
    expect(parseDslExecutorReference('12 -> 7')).toEqual({ valid: false, error: 'operator' });
    expect(parseDslExecutorReference('Custom -> Review ? Revise')).toEqual({ valid: false, error: 'operator: Review ? Revise' });
    expect(parseDslExecutorReference('Custom -> (Review ? Revise : done)')).toEqual({ valid: false, error: ': (Review ? Revise : done)' });
  });
});

describe('parseDslExecutorReference: legacy forms, done and fences', () => {
  it('keeps the (X) * plan and [X] * decompose forms as their legacy stages', () => {
    expect(stages('(Custom -> Verify) * plan -> Format')).toEqual([{ type: 'plan_loop', operators: ['Custom', 'Verify'] }, S('Format')]);
    expect(stages('Plan -> [Custom, Programmer] * decompose')).toEqual([S('Plan'), { type: 'decompose_parallel', operators: ['Custom', 'Programmer'] }]);
    expect(stages('[Custom, Test] * decompose', 'math')).toEqual([{ type: 'decompose_parallel', operators: ['Custom', 'Test'] }]);
    expect(parseDslExecutorReference('(Custom -> Nope) * plan')).toEqual({ valid: true, stages: [{ type: 'plan_loop', operators: ['Custom', 'Custom'] }] });
  });

  it('does not rename Done to an operator', () => {
    expect(stages('Custom -> Verify ? Revise : done')).toEqual([S('Custom'), C('Verify', 'Revise', 'done')]);
    expect(parseDslExecutorReference('Custom -> Verify ? Revise : Done')).toEqual({ valid: false, error: 'operator: Done' });
  });

  it('strips a ```python3 fence whole', () => {
    expect(stages('```python3\nCustom -> Format\n```')).toEqual([S('Custom'), S('Format')]);
  });
});
