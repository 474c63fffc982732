import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATASETS, DatasetError, datasetKeyOf, isUnanswerable, loadDataset, selectProblems } from '../src/index.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const native = join(fixtures, 'native');
let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eval-data-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NATIVE_FILES: Record<string, string> = {
  gsm8k: 'gsm8k.jsonl', math: 'math.jsonl', aime2025: 'aime2025.jsonl', mathqa: 'mathqa.json', hotpotqa: 'hotpotqa.json', squad_v2: 'squad_v2.json',
  triviaqa: 'triviaqa.json', nq: 'nq-open.jsonl', mbpp: 'mbpp.jsonl', humaneval: 'humaneval.jsonl', apps: 'apps.jsonl', ds1000: 'ds1000.jsonl',
};

describe('FlowSteer-Dataset JSONL', () => {
  it.each(Object.entries(DATASETS))('%s fixture loads with its type', async (key, info) => {
    const { problems, sha256, format } = await loadDataset(join(fixtures, `${key}.jsonl`));
    expect(problems).toHaveLength(2);
    expect(format).toBe(key === 'gsm8k' ? 'mixed' : 'flowsteer');
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const p of problems) {
      expect(p.source).toBe(key);
      expect(p.problemType).toBe(info.problemType);
      expect(p.problem.length).toBeGreaterThan(5);
      expect(p.groundTruth).not.toBe('');
      if (info.problemType === 'code') expect(p.test).toBeDefined();
    }
  });

  it('keeps list answers as alternatives and never splits a string on |', async () => {
    const trivia = await loadDataset(join(fixtures, 'triviaqa.jsonl'));
    expect(trivia.problems[0]).toMatchObject({ id: 'trivia-1', groundTruth: 'Mars', answers: ['Mars', 'planet Mars'], problemType: 'qa' });
    const file = join(dir, 'nq.jsonl');
    await writeFile(file, '{"question": "q", "answer": "AC|DC"}\n');
    expect((await loadDataset(file)).problems[0]?.answers).toEqual(['AC|DC']);
  });

  it('shows a context field to the model as part of the problem', async () => {
    const file = join(dir, 'squad_v2.jsonl');
    await writeFile(file, '{"question": "Where is the Nile?", "context": "The Nile is in Africa.", "answer": "Africa"}\n');
    expect((await loadDataset(file)).problems[0]?.problem).toBe('Context: The Nile is in Africa.\nQuestion: Where is the Nile?');
  });

  it('names the file, line and field of every record that cannot be scored', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['gsm8k.jsonl', '{"problem": "x", "ground_truth": "1"}\n{not json}\n', /gsm8k\.jsonl:2: not valid JSON/],
      ['gsm8k.jsonl', '{"ground_truth": "1"}\n', /:1: missing "problem" \(or "question"\)/],
      ['math.jsonl', '{"problem": "x", "source": "math"}\n', /:1: missing "ground_truth" \(or "answer"\)/],
      ['mbpp.jsonl', '{"problem": "x", "ground_truth": "y", "problem_type": "code"}\n', /code records need "meta.test"/],
      ['gsm8k.jsonl', '{"problem": "x", "ground_truth": "1", "problem_type": "poetry"}\n', /field "problem_type"/],
      ['custom.jsonl', '{"problem": "x", "ground_truth": "1"}\n', /missing "source", and the file name is not one of/],
      ['custom.jsonl', '{"problem": "x", "ground_truth": "1", "source": "mystery"}\n', /unknown source "mystery"/],
      ['gsm8k.jsonl', '{"problem": "x", "ground_truth": "1", "id": 1}\n{"problem": "y", "ground_truth": "2", "id": 1}\n', /:2: duplicate id "1" \(first on line 1\)/],
      ['humaneval.jsonl', '{"problem": "def f():", "ground_truth": "", "meta": {"test": "def check(candidate):\\n    assert candidate() == 1\\n"}}\n', /:1: HumanEval records need "meta.entry_point"/],
      ['humaneval.jsonl', '{"task_id": "HumanEval/1", "prompt": "def f():\\n", "test": "def check(c):\\n    pass\\n"}\n', /:1: HumanEval "entry_point" is missing/],
      ['apps.jsonl', '{"problem_id": 1, "question": "q", "input_output": ""}\n', /:1: APPS "input_output" is empty/],
      ['apps.jsonl', '{"problem_id": 1, "question": "q", "input_output": "{\\"inputs\\": [\\"1\\"], \\"outputs\\": []}"}\n', /equally long/],
      ['mbpp.jsonl', '{"task_id": 1, "text": "t", "test_list": []}\n', /MBPP "test_list" has no asserts/],
      ['ds1000.jsonl', '{"prompt": "p", "code_context": "x = 1"}\n', /defines no test_execution/],
      ['math.jsonl', '{"problem": "p", "solution": "the answer is 4"}\n', /MATH "solution" has no \\boxed/],
      ['mathqa.json', '[{"Problem": "p", "options": "a ) 1", "correct": "z"}]', /:1: MathQA "correct" must be a letter/],
      ['aime2025.jsonl', '{"problem": "p", "answer": "4.5"}\n', /AIME "answer" must be an integer/],
      ['squad_v2.json', '{"version": "v2.0", "data": [{"title": "t", "paragraphs": [{"context": "c", "qas": [{"id": "1", "question": "q", "answers": []}]}]}]}', /has no answers and is not marked is_impossible/],
      ['hotpotqa.json', '[{"_id": "1", "question": "q", "answer": "a"},\n{"_id": "1", "question": "r", "answer": "b"}]', /hotpotqa\.json:2: duplicate id "1"/],
      ['triviaqa.json', '{"Data": [{"Question": "q", "Answer": {"Aliases": []}}]}', /TriviaQA "Answer" has no aliases/],
      ['squad_v2.json', '{"version": "v2.0", "data": [{"title": "t", "paragraphs": [', /ends early/],
      ['empty.jsonl', '', /empty\.jsonl:1: the file holds no records/],
      ['gsm8k.jsonl', '\n\n  \n', /the file holds no records/],
    ];
    for (const [name, text, pattern] of cases) {
      const file = join(dir, name);
      await writeFile(file, text);
      const error = await loadDataset(file).catch((e: unknown) => e);
      expect(error, `${name}: ${text}`).toBeInstanceOf(DatasetError);
      expect((error as Error).message, `${name}: ${text}`).toMatch(pattern);
      expect((error as Error).message.startsWith(file)).toBe(true);
    }
    await expect(loadDataset(join(dir, 'missing.jsonl'))).rejects.toThrow('cannot read');
  });

  it('accepts a byte-order mark and CRLF line ends, and hashes the bytes as stored', async () => {
    const file = join(dir, 'gsm8k.jsonl');
    await writeFile(file, '\uFEFF{"question": "one?", "answer": "#### 1"}\r\n{"question": "two?", "answer": "#### 2"}\r\n');
    const loaded = await loadDataset(file);
    expect(loaded.problems.map((p) => [p.problem, p.line])).toEqual([['one?', 1], ['two?', 2]]);
    const { createHash } = await import('node:crypto');
    expect(loaded.sha256).toBe(createHash('sha256').update(await readFile(file)).digest('hex'));
  });
});

describe('native benchmark formats', () => {
  it.each(Object.entries(NATIVE_FILES))('%s: %s is recognised', async (key, name) => {
    const { problems, format } = await loadDataset(join(native, name));
    expect(format).toBe('native');
    expect(problems).toHaveLength(2);
    for (const p of problems) {
      expect(p.source).toBe(key);
      expect(p.problemType).toBe(DATASETS[key]?.problemType);
    }
  });

  it('reads each format\'s own fields', async () => {
    const squad = (await loadDataset(join(native, 'squad_v2.json'))).problems;
    expect(squad[0]).toMatchObject({ id: 'sq-1', answers: ['the Black Sea', 'Black Sea'] });
    expect(squad[0]?.problem).toContain('The Danube flows through Vienna');
    expect(squad[1]).toMatchObject({ id: 'sq-2', answers: [], groundTruth: '' });
    const hotpot = (await loadDataset(join(native, 'hotpotqa.json'))).problems;
    expect(hotpot[0]?.problem).toContain('Eiffel Tower: The Eiffel Tower was built in 1889.');
    expect(hotpot[0]?.line).toBe(2);
    const trivia = (await loadDataset(join(native, 'triviaqa.json'))).problems;
    expect(trivia[0]?.answers).toEqual(['jean paul sartre', 'sartre']);
    const mbpp = (await loadDataset(join(native, 'mbpp.jsonl'))).problems;
    expect(mbpp[0]).toMatchObject({ setup: 'FACTOR = 3', test: 'assert triple(2) == 6\nassert triple(0) == 0' });
    expect(mbpp[0]?.problem).toContain('assert triple(2) == 6');
    const apps = (await loadDataset(join(native, 'apps.jsonl'))).problems;
    expect(JSON.parse(apps[1]?.test ?? '{}')).toMatchObject({ fn_name: 'maxOf' });
    const ds = (await loadDataset(join(native, 'ds1000.jsonl'))).problems;
    expect(ds[0]?.codeContext).toContain('def test_execution');
    const mathqa = (await loadDataset(join(native, 'mathqa.json'))).problems;
    expect(mathqa[0]).toMatchObject({ groundTruth: 'c' });
    expect(mathqa[0]?.problem).toContain('c ) 30');
  });

  it('maps file names to benchmarks', () => {
    expect(['nq-open-dev.jsonl', 'NQ-open.efficientqa.dev.1.1.jsonl', 'hotpot_dev_distractor_v1.json', 'dev-v2.0.json', 'HumanEval.jsonl', 'wikipedia-dev.json'].map(datasetKeyOf)).toEqual(['nq', 'nq', 'hotpotqa', undefined, 'humaneval', undefined]);
    expect(datasetKeyOf('squad-dev-v2.0.json')).toBe('squad_v2');
  });

  it('streams a JSON document record by record', async () => {
    // 20,000 HotpotQA records (~5 MB): read through the streaming array reader, not as one string.
    const file = join(dir, 'hotpotqa.json');
    const out = createWriteStream(file);
    out.write('[\n');
    for (let i = 0; i < 20_000; i++) {
      if (!out.write(`${i === 0 ? '' : ',\n'}${JSON.stringify({ _id: `id-${i}`, question: `question ${i} with "quotes", [brackets] and {braces}?`, answer: `answer ${i}`, context: [['T', ['a sentence. ', 'another ] } one.']]] })}`)) await once(out, 'drain');
    }
    out.end('\n]\n');
    await once(out, 'finish');
    const { problems } = await loadDataset(file);
    expect(problems).toHaveLength(20_000);
    expect(problems[19_999]).toMatchObject({ id: 'id-19999', answers: ['answer 19999'], line: 20_001 });
  });
});

describe('subsets', () => {
  it('takes a seeded subset of n problems from each dataset', async () => {
    const problems = [...(await loadDataset(join(fixtures, 'gsm8k.jsonl'))).problems, ...(await loadDataset(join(fixtures, 'nq.jsonl'))).problems];
    const a = selectProblems(problems, 1, 42).map((p) => p.id);
    expect(a).toHaveLength(2);
    expect(new Set(a.map((id) => id.split('-')[0]))).toEqual(new Set(['gsm8k', 'nq']));
    expect(selectProblems(problems, 1, 42).map((p) => p.id)).toEqual(a);
    expect(selectProblems(problems, 2, 42)).toHaveLength(4);
    expect(selectProblems(problems, undefined, 1)).toHaveLength(4);
  });

  it('recognises unanswerable ground truths', () => {
    for (const t of ['unanswerable', 'No answer', 'Unknown', 'N/A', 'none', 'n.a.', 'not provided in text']) expect(isUnanswerable(t), t).toBe(true);
    for (const t of ['', '42', 'Paris']) expect(isUnanswerable(t), t).toBe(false);
  });
});
