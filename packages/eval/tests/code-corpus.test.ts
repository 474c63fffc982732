import { PyodideSandbox } from '@flowsteer/operators-code';
import { afterAll, describe, expect, it } from 'vitest';
import { scoreAnswer } from '../src/index.js';
import { problemOf, readCorpus } from './corpus.js';

// The sandbox available today; the verdicts are decided by the harness, so these cases must hold in any sandbox.
const sandbox = new PyodideSandbox({ workers: 2 });
afterAll(() => sandbox.close());

const cases = readCorpus('code-cases.jsonl');

describe('metric corpus (code benchmarks, really run)', () => {
  it('covers every code benchmark', () => {
    expect(new Set(cases.map((c) => c.benchmark))).toEqual(new Set(['humaneval', 'mbpp', 'apps', 'ds1000']));
  });

  it.each(cases.map((c) => [c.id, c.rule, c] as const))('%s (%s)', async (_id, _rule, c) => {
    for (const mode of ['official', 'strict'] as const) {
      const score = await scoreAnswer(problemOf(c), c.prediction, { sandbox, mode });
      expect({ mode, score: score.score, reason: score.reason }).toMatchObject({ mode, score: mode === 'official' ? c.official : c.strict });
    }
  });
});
