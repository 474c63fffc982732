import { SystemPythonSandbox } from '@flowsteer/operators-code';
import { afterAll, describe, expect, it } from 'vitest';
import { scoreAnswer } from '../src/index.js';
import { problemOf, readCorpus } from './corpus.js';

// The isolated default sandbox, and its numpy/pandas twin for DS-1000 (shared here so the cases do not each start one).
const sandbox = new SystemPythonSandbox();
const ds1000Sandbox = new SystemPythonSandbox({ preload: ['numpy', 'pandas'], memoryMb: 2048 });
afterAll(async () => {
  await sandbox.close();
  await ds1000Sandbox.close();
});

const cases = readCorpus('code-cases.jsonl');

describe('metric corpus (code benchmarks, really run)', () => {
  it('covers every code benchmark', () => {
    expect(new Set(cases.map((c) => c.benchmark))).toEqual(new Set(['humaneval', 'mbpp', 'apps', 'ds1000']));
  });

  it.each(cases.map((c) => [c.id, c.rule, c] as const))('%s (%s)', async (_id, _rule, c) => {
    for (const mode of ['official', 'strict'] as const) {
      const score = await scoreAnswer(problemOf(c), c.prediction, { sandbox, ds1000Sandbox, mode });
      expect({ mode, score: score.score, reason: score.reason }).toMatchObject({ mode, score: mode === 'official' ? c.official : c.strict });
    }
  });
});
