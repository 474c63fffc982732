import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATASETS, DatasetError, isUnanswerable, loadDataset, selectProblems } from '../src/index.js';

const fixtures = join(import.meta.dirname, 'fixtures');
let dir = '';
afterEach(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('dataset loaders', () => {
  it.each(Object.entries(DATASETS))('%s fixture loads with its type', async (key, info) => {
    const { problems, sha256 } = await loadDataset(join(fixtures, `${key}.jsonl`));
    expect(problems).toHaveLength(2);
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const p of problems) {
      expect(p.source).toBe(key);
      expect(p.problemType).toBe(info.problemType);
      expect(p.problem.length).toBeGreaterThan(5);
      expect(p.groundTruth).not.toBe('');
      if (info.problemType === 'code') expect(p.test).toBeDefined();
    }
  });

  it('reads aliases, list answers and meta fields', async () => {
    const trivia = await loadDataset(join(fixtures, 'triviaqa.jsonl'));
    expect(trivia.problems[0]).toMatchObject({ id: 'trivia-1', groundTruth: 'Mars|planet Mars', problemType: 'qa' });
    const humaneval = await loadDataset(join(fixtures, 'humaneval.jsonl'));
    expect(humaneval.problems[0]).toMatchObject({ id: 'HumanEval/0', entryPoint: 'add' });
    expect(humaneval.problems[0]?.prompt).toContain('def add');
  });

  it('names the file, line and field of a malformed record', async () => {
    dir = await mkdtemp(join(tmpdir(), 'eval-data-'));
    const cases: Array<[string, string, RegExp]> = [
      ['gsm8k.jsonl', '{"problem": "x", "ground_truth": "1"}\n{not json}\n', /gsm8k\.jsonl:2: not valid JSON/],
      ['gsm8k.jsonl', '{"ground_truth": "1"}\n', /:1: missing "problem" \(or "question"\)/],
      ['gsm8k.jsonl', '{"problem": "x"}\n', /:1: missing "ground_truth" \(or "answer"\)/],
      ['mbpp.jsonl', '{"problem": "x", "ground_truth": "y", "problem_type": "code"}\n', /code records need "meta.test"/],
      ['gsm8k.jsonl', '{"problem": "x", "ground_truth": "1", "problem_type": "poetry"}\n', /field "problem_type"/],
      ['custom.jsonl', '{"problem": "x", "ground_truth": "1"}\n', /missing "source", and the file name is not one of/],
      ['gsm8k.jsonl', '{"problem": "x", "ground_truth": "1", "id": 1}\n{"problem": "y", "ground_truth": "2", "id": 1}\n', /:2: duplicate id "1"/],
    ];
    for (const [name, text, pattern] of cases) {
      const file = join(dir, name);
      await writeFile(file, text);
      await expect(loadDataset(file)).rejects.toBeInstanceOf(DatasetError);
      await expect(loadDataset(file)).rejects.toThrow(pattern);
    }
    await expect(loadDataset(join(dir, 'missing.jsonl'))).rejects.toThrow('cannot read');
  });

  it('selects a deterministic per-source subset', async () => {
    const problems = [...(await loadDataset(join(fixtures, 'gsm8k.jsonl'))).problems, ...(await loadDataset(join(fixtures, 'nq.jsonl'))).problems];
    const a = selectProblems(problems, 2, 42).map((p) => p.id);
    expect(a).toHaveLength(2);
    expect(new Set(a.map((id) => id.split('-')[0]))).toEqual(new Set(['gsm8k', 'nq']));
    expect(selectProblems(problems, 2, 42).map((p) => p.id)).toEqual(a);
    expect(selectProblems(problems, undefined, 1)).toHaveLength(4);
  });

  it('recognises unanswerable ground truths', () => {
    for (const t of ['unanswerable', 'No answer', 'Unknown', 'N/A', 'none', 'n.a.', 'not provided in text']) expect(isUnanswerable(t), t).toBe(true);
    for (const t of ['', '42', 'Paris']) expect(isUnanswerable(t), t).toBe(false);
  });
});
