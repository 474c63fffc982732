import { describe, expect, it } from 'vitest';
import { scoreAnswer, type MetricMode } from '../src/index.js';
import { problemOf, readCorpus, type CorpusCase } from './corpus.js';

const cases = readCorpus('metric-cases.jsonl');

function expected(c: CorpusCase, mode: MetricMode): number | readonly [number, number] | undefined {
  return mode === 'official' ? c.official : mode === 'strict' ? c.strict : c.reference;
}

describe('metric corpus (text benchmarks)', () => {
  it('holds labelled cases of every text benchmark', () => {
    expect(cases.length).toBeGreaterThanOrEqual(280);
    expect(cases.every((c) => c.rule.length > 0)).toBe(true);
    expect(new Set(cases.map((c) => c.benchmark))).toEqual(new Set(['math', 'gsm8k', 'aime2025', 'mathqa', 'squad_v2', 'hotpotqa', 'triviaqa', 'nq', 'mbpp']));
  });

  for (const mode of ['official', 'strict', 'reference'] as const) {
    const labelled = cases.filter((c) => expected(c, mode) !== undefined && c.benchmark !== 'mbpp');
    it.each(labelled.map((c) => [c.id, c.rule, c] as const))(`${mode}: %s (%s)`, async (_id, _rule, c) => {
      const score = await scoreAnswer(problemOf(c), c.prediction, { mode });
      const want = expected(c, mode);
      if (Array.isArray(want)) {
        expect([score.em, Number((score.f1 ?? -1).toFixed(4))]).toEqual([want[0], want[1]]);
      } else if (mode === 'reference' && score.f1 !== undefined) {
        expect(Number(score.score.toFixed(4))).toBe(want);
      } else {
        expect(score.score).toBe(want);
      }
      if (mode !== 'reference' && c.variants !== undefined) expect(score.variants).toMatchObject(c.variants);
    });
  }
});
