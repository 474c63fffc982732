import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeOpenAiServer, lastUserMessage } from '@flowsteer/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { flowsteer } from './helpers.js';

const fixtures = join(import.meta.dirname, '..', '..', '..', 'packages', 'eval', 'tests', 'fixtures');

/** The executor model: right answers for the two GSM8K and the two MBPP fixture problems, and a passing review. */
const ANSWERS: Array<[string, string]> = [
  ['6 bags with 7 apples', '42'],
  ['A pen costs $3', '12'],
  ['add(a, b) that returns the sum', '```python\ndef add(a, b):\n    return a + b\n```'],
  ['square(x) that returns x squared', '```python\ndef square(x):\n    return x * x\n```'],
];

let server: FakeOpenAiServer | undefined;
let project = '';
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (project !== '') await rm(project, { recursive: true, force: true });
  project = '';
});

describe('the README eval example', () => {
  it('flowsteer eval --policy template:auto on the sample data scores above zero with default settings', async () => {
    server = await FakeOpenAiServer.start((request) => {
      const prompt = lastUserMessage(request);
      if (prompt.includes('Review the solution critically')) return { content: '<review_result>true</review_result><feedback>fine</feedback>' };
      return { content: ANSWERS.find(([key]) => prompt.includes(key))?.[1] ?? 'unknown' };
    });
    project = await mkdtemp(join(tmpdir(), 'flowsteer-readme-'));
    await mkdir(join(project, 'data'));
    for (const name of ['gsm8k.jsonl', 'mbpp.jsonl']) await copyFile(join(fixtures, name), join(project, 'data', name));
    // Only the executor's endpoint is configured: canvas, finish rules, scoring and sandbox are the defaults.
    await writeFile(join(project, 'flowsteer.config.json'), JSON.stringify({ executor: { baseUrl: server.baseUrl, model: 'exec' } }));
    const result = await flowsteer(['eval', '--data', 'data/gsm8k.jsonl', '--data', 'data/mbpp.jsonl', '--out', 'runs/eval', '--policy', 'template:auto'], { cwd: project });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('| GSM8K | math | 2 | 100.0 |');
    expect(result.stdout).toContain('| MBPP | pass@1 | 2 | 100.0 |');
    const records = (await readFile(join(project, 'runs', 'eval', 'results.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { score: number; finished: boolean });
    expect(records).toHaveLength(4);
    expect(records.every((r) => r.score === 1)).toBe(true);
  }, 120_000);
});
