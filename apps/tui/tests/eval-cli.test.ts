import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeOpenAiServer, lastUserMessage, type FakeReply, type RecordedRequest } from '@flowsteer/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { flowsteer } from './helpers.js';

const bin = join(import.meta.dirname, '..', 'dist', 'main.js');
const fixtures = join(import.meta.dirname, '..', '..', '..', 'packages', 'eval', 'tests', 'fixtures');
const ALL = ['gsm8k', 'math', 'aime2025', 'mathqa', 'hotpotqa', 'squad_v2', 'triviaqa', 'nq', 'mbpp', 'humaneval', 'apps', 'ds1000'];

let server: FakeOpenAiServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flowsteer-eval-'));
  dirs.push(dir);
  return dir;
}

/** What the fake executor answers, keyed by a phrase of each fixture problem (one is deliberately wrong). */
const ANSWERS: Array<[string, string]> = [
  ['6 bags with 7 apples', '42'],
  ['A pen costs $3', '12'],
  ['\\frac{1}{2}+\\frac{1}{4}', '\\frac{3}{4}'],
  ['Simplify $\\sqrt{8}$', '2\\sqrt{2}'],
  ['2^10 is divided by 1000', '24'],
  ['positive divisors does 36', '9'],
  ['15% of 200', '(b) 30'],
  ['60 km in 1.5 hours', 'c'],
  ['capital of France', 'Paris'],
  ['Who wrote Hamlet', 'Shakespeare'],
  ['Where is the Nile', 'Africa'],
  ['How tall is Everest', '8849 m'],
  ['Red Planet', 'Mars'],
  ['largest ocean', 'the Pacific'],
  ['mona lisa', 'Leonardo da Vinci'],
  ['boiling point of water', '212'],
  ['add(a, b) that returns the sum', '```python\ndef add(a, b):\n    return a + b\n```'],
  ['square(x) that returns x squared', '```python\ndef square(x):\n    return x * x\n```'],
  ['"""Return a + b."""', '```python\ndef add(a, b):\n    return a + b\n```'],
  ['"""Return x squared."""', '```python\ndef square(x):\n    return x + x\n```'],
  ['print their sum', '```python\na, b = map(int, input().split())\nprint(a + b)\n```'],
  ['print n squared', '```python\nn = int(input())\nprint(n * n)\n```'],
  ['sum of the list [1, 2, 3]', '```python\nresult = sum([1, 2, 3])\n```'],
  ['sorted list of [3, 1, 2]', '```python\nresult = sorted([3, 1, 2])\n```'],
  // The native-format fixtures (tests/fixtures/native).
  ['Area of a circle of radius r', '```python\ndef circle_area(r):\n    return math.pi * r * r\n```'],
  ['"""Twice x."""', '```python\ndef double(x):\n    return x + x + 1\n```'],
  ['module constant FACTOR', '```python\ndef triple(x):\n    return FACTOR * x\n```'],
  ['reverse a string', '```python\ndef reverse_string(s):\n    return s[::-1]\n```'],
  ['print their mean', '```python\na, b = map(float, input().split())\nprint("%.6f" % ((a + b) / 2))\n```'],
  ['maximum of a list of integers', '```python\nclass Solution:\n    def maxOf(self, xs):\n        return max(xs)\n```'],
  ['get it in ascending order', '<code>\nresult = sorted(data)\n</code>\nEND SOLUTION'],
  ['get their total', '```python\nresult = 6\n```'],
  ['Which sea does the Danube reach?', 'Black Sea'],
  ['Which sea does the Thames reach?', 'unanswerable'],
  ['built in the same century', 'no'],
  ['houses the Mona Lisa', 'Paris, France'],
  ['Being and Nothingness', 'Jean Paul Sartre'],
  ['Highway to Hell', 'AC/DC'],
  ['novel moby dick', 'Herman Melville'],
  ['world war ii end', '1944'],
  ['Solve $x^2 = 4$', '\\boxed{2}'],
  ['For which $x$ is $x + 1 > 4$', '\\boxed{(3, \\infty]}'],
  ['eggs are in 6 boxes', 'The answer is 72.'],
  ['gave away 7', '13 marbles'],
  ['what is 20 % of 150', 'c ) 30'],
  ['covers 100 km in 2 hours', 'The answer is C'],
  ['remainder when $3^{10}$', '\\boxed{49}'],
  ['positive divisors does $60$', '12'],
];

function executor(delayMs = 0): (request: RecordedRequest) => FakeReply {
  return (request) => {
    const prompt = lastUserMessage(request);
    if (prompt.includes('Review the solution critically')) return { content: '<review_result>true</review_result><feedback>fine</feedback>', delayMs };
    const answer = ANSWERS.find(([key]) => prompt.includes(key))?.[1] ?? 'unknown';
    return { content: answer, delayMs };
  };
}

function evalEnv(baseUrl: string): Record<string, string> {
  return { FLOWSTEER_EXECUTOR_BASE_URL: baseUrl, FLOWSTEER_EXECUTOR_MODEL: 'exec', FLOWSTEER_STORE_DIR: '.flowsteer' };
}

interface Summary {
  source: string;
  n: number;
  meanScore: number;
  accuracy: number;
}

describe('flowsteer score', () => {
  it('scores one prediction per metric family', async () => {
    const math = await flowsteer(['score', '--metric', 'math', '--prediction', 'so the answer is \\boxed{\\frac{1}{2}}', '--answer', '0.5', '--json']);
    expect(JSON.parse(math.stdout)).toMatchObject({ metric: 'math', score: 1, correct: true, extracted: '\\frac{1}{2}' });
    const f1 = await flowsteer(['score', '--metric', 'f1', '--prediction', 'Paris, France', '--answer', 'Paris']);
    expect(f1.stdout).toContain('f1 [generic, strict]: score 0.6667 (incorrect); EM 0.0000 F1 0.6667;');
    const mc = await flowsteer(['score', '--metric', 'mc', '--prediction', 'France', '--answer', 'E']);
    expect(mc.stdout).toContain('mc [mathqa, strict]: score 0.0000 (incorrect)');
    const dir = await tempDir();
    await writeFile(join(dir, 'tests.py'), 'assert add(1, 2) == 3\n');
    const code = await flowsteer(['score', '--metric', 'pass@1', '--prediction', 'def add(a, b):\n    pass', '--test', join(dir, 'tests.py'), '--entry-point', 'add', '--json']);
    expect(JSON.parse(code.stdout)).toMatchObject({ metric: 'pass@1', correct: false });
    expect((await flowsteer(['score', '--metric', 'bleu', '--prediction', 'x', '--answer', 'y'])).code).toBe(2);
    expect((await flowsteer(['score', '--metric', 'math', '--metric-mode', 'lenient', '--prediction', 'x', '--answer', 'y'])).stderr).toContain('--metric-mode must be one of official, reference, strict');
    const noSandbox = await flowsteer(['score', '--metric', 'pass@1', '--sandbox', 'nope', '--prediction', 'def add(a, b):\n    return a + b', '--test', join(dir, 'tests.py')]);
    expect(noSandbox.code).toBe(2);
    expect(noSandbox.stderr).toContain('"nope" is not installed; available: pyodide');
  }, 120_000);

  it('scores operator, sign, direction, infinity and bracket changes 0 in official and strict; only reference accepts them', async () => {
    const pairs: Array<[string, string]> = [['x-1', 'x+1'], ['-x', 'x'], ['x^2', '\\frac{x}{2}'], ['x>3', 'x<3'], ['-\\infty', '\\infty'], ['(-\\infty, 3)', '(-\\infty, 3]'], ['[2,5)', '(2,5]']];
    const input = pairs.map(([p, a]) => JSON.stringify({ metric: 'math', prediction: `\\boxed{${p}}`, answer: `\\boxed{${a}}` })).join('\n');
    for (const [mode, mean] of [['official', '0.0000'], ['strict', '0.0000'], ['reference', '1.0000']] as const) {
      const result = await flowsteer(['score', '--batch', '-', '--metric-mode', mode], { input });
      expect(result.stdout.trim().split('\n').pop(), mode).toBe(`7 scored, mean ${mean}, ${mode === 'reference' ? 7 : 0} correct`);
      if (mode === 'reference') expect(result.stderr).toContain('eval_only.py');
    }
    const trivia = await flowsteer(['score', '--metric', 'f1', '--benchmark', 'triviaqa', '--metric-mode', 'official', '--prediction', 'Jean Paul Sartre', '--answer', 'Jean-Paul Sartre', '--json']);
    expect(JSON.parse(trivia.stdout)).toMatchObject({ benchmark: 'triviaqa', mode: 'official', em: 1, f1: 1 });
    const gsm = await flowsteer(['score', '--metric', 'math', '--benchmark', 'gsm8k', '--metric-mode', 'official', '--prediction', 'The answer is 72.', '--answer', '#### 72', '--json']);
    expect(JSON.parse(gsm.stdout)).toMatchObject({ score: 1, variants: { 'strict-match': 0, 'flexible-extract': 1 } });
  }, 120_000);

  it('scores a JSONL batch', async () => {
    const input = [
      { metric: 'em', prediction: 'The Beatles', answer: 'Beatles' },
      { metric: 'math', prediction: '50%', answer: '0.5' },
      { metric: 'mc', prediction: 'I pick (c)', answer: 'C' },
    ].map((r) => JSON.stringify(r)).join('\n');
    const result = await flowsteer(['score', '--batch', '-'], { input });
    expect(result.stdout.trim().split('\n').pop()).toBe('3 scored, mean 1.0000, 3 correct');
    expect((await flowsteer(['score', '--batch', '-'], { input: '{"metric": "em"}' })).stderr).toContain('needs string fields');
  });
});

describe('flowsteer eval', () => {
  it('runs every dataset family end to end against an OpenAI-compatible server and writes a report', async () => {
    server = await FakeOpenAiServer.start(executor());
    const out = join(await tempDir(), 'run');
    const args = ['eval', ...ALL.flatMap((d) => ['--data', join(fixtures, `${d}.jsonl`)]), '--out', out, '--policy', 'template:auto', '--concurrency', '4', '--json'];
    const result = await flowsteer(args, { env: evalEnv(server.baseUrl) });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { summary: Summary[]; manifest: { problemIds: string[]; dataHash: string; policy: string; canvas: { library?: string[]; operators?: unknown } }; resumed: number };
    expect(report.manifest.problemIds).toHaveLength(24);
    expect(report.manifest.policy).toBe('template:auto');
    // The installed example plugin's operator joins the library the policy is shown, and the manifest pins it.
    expect(report.manifest.canvas.library).toEqual(expect.arrayContaining(['Custom', 'Format', 'Retrieve']));
    expect(report.manifest.canvas.operators).toBeUndefined();
    const bySource = Object.fromEntries(report.summary.map((s) => [s.source, s]));
    expect(Object.keys(bySource).sort()).toEqual([...ALL].sort());
    for (const perfect of ['gsm8k', 'math', 'aime2025', 'mbpp', 'apps', 'ds1000']) expect(bySource[perfect]?.accuracy, perfect).toBe(1);
    // HotpotQA: "Shakespeare" for "William Shakespeare" is F1 0.667 but not an exact match.
    expect(bySource['hotpotqa']?.accuracy).toBe(0.5);
    expect(bySource['hotpotqa']?.meanScore).toBeCloseTo((1 + 2 / 3) / 2, 5);
    expect(bySource['mathqa']?.accuracy).toBe(0.5);
    expect(bySource['humaneval']?.accuracy).toBe(0.5);
    expect(bySource['nq']?.accuracy).toBe(0.5);
    expect(bySource['triviaqa']?.meanScore).toBeCloseTo((1 + 1) / 2, 5);
    const markdown = await readFile(join(out, 'report.md'), 'utf8');
    expect(markdown).toContain('| HumanEval | pass@1 | 2 | 50.0 | [9.5, 90.5] | 50.0 | [9.5, 90.5] | – | – |');
    expect(markdown).toContain('metric mode: strict');
    const again = await flowsteer(['eval-report', out, '--compare', out]);
    expect(again.stdout).toContain('| GSM8K | math | 2 | 100.0 | [34.2, 100.0] | 100.0 | [34.2, 100.0] | +0.0 |');
  }, 180_000);

  it('a kill -9 mid-run and a restart give the same results as an uninterrupted run, scoring nothing twice', async () => {
    server = await FakeOpenAiServer.start(executor(60));
    const data = ['gsm8k', 'nq', 'mbpp', 'mathqa'].flatMap((d) => ['--data', join(fixtures, `${d}.jsonl`)]);
    const reference = join(await tempDir(), 'reference');
    const common = [...data, '--policy', 'template:auto', '--concurrency', '1', '--json'];
    expect((await flowsteer(['eval', ...common, '--out', reference], { env: evalEnv(server.baseUrl) })).code).toBe(0);

    const out = join(await tempDir(), 'killed');
    const child = spawn(process.execPath, [bin, 'eval', ...common, '--out', out], { env: { PATH: process.env['PATH'] ?? '', ...evalEnv(server.baseUrl) }, stdio: 'ignore' });
    const results = join(out, 'results.jsonl');
    for (;;) {
      const text = await readFile(results, 'utf8').catch(() => '');
      if (text.split('\n').filter((l) => l.trim() !== '').length >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    const before = (await readFile(results, 'utf8')).trim().split('\n').length;
    expect(before).toBeLessThan(8);

    const resumed = await flowsteer(['eval', ...common, '--out', out], { env: evalEnv(server.baseUrl) });
    expect(resumed.code).toBe(0);
    expect((JSON.parse(resumed.stdout) as { resumed: number }).resumed).toBe(before);
    const read = async (dir: string) =>
      (await readFile(join(dir, 'results.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string; prediction: string; score: number; correct: boolean })
        .map(({ id, prediction, score, correct }) => ({ id, prediction, score, correct }))
        .sort((a, b) => a.id.localeCompare(b.id));
    const finalRecords = await read(out);
    expect(new Set(finalRecords.map((r) => r.id)).size).toBe(finalRecords.length);
    expect(finalRecords).toEqual(await read(reference));
  }, 180_000);

  it('evaluates every benchmark\'s native format in official, strict and reference mode, pinning the mode', async () => {
    server = await FakeOpenAiServer.start(executor());
    const natives = ['gsm8k.jsonl', 'math.jsonl', 'aime2025.jsonl', 'mathqa.json', 'hotpotqa.json', 'squad_v2.json', 'triviaqa.json', 'nq-open.jsonl', 'mbpp.jsonl', 'humaneval.jsonl', 'apps.jsonl', 'ds1000.jsonl'];
    const data = natives.flatMap((f) => ['--data', join(fixtures, 'native', f)]);
    const accuracy = async (mode: string, files: string[]): Promise<Record<string, number>> => {
      const out = join(await tempDir(), mode);
      const result = await flowsteer(['eval', ...files, '--out', out, '--policy', 'template:auto', '--metric-mode', mode, '--json'], { env: evalEnv(server!.baseUrl) });
      expect(result.code, result.stderr).toBe(0);
      const parsed = JSON.parse(result.stdout) as { summary: Summary[]; manifest: { metricMode: string; metricVersion: string; sandbox: string } };
      expect(parsed.manifest).toMatchObject({ metricMode: mode, sandbox: 'system-python' });
      expect(parsed.manifest.metricVersion).toMatch(/^\d+\.\d+\.\d+$/);
      expect(await readFile(join(out, 'report.md'), 'utf8')).toContain(`metric mode: ${mode}`);
      return Object.fromEntries(parsed.summary.map((s) => [s.source, s.accuracy]));
    };
    const official = await accuracy('official', data);
    expect(official).toEqual({ aime2025: 1, apps: 1, ds1000: 0.5, gsm8k: 1, hotpotqa: 0.5, humaneval: 0.5, math: 0.5, mathqa: 1, mbpp: 1, nq: 0.5, squad_v2: 0.5, triviaqa: 1 });
    const textOnly = ['squad_v2.json', 'math.jsonl'].flatMap((f) => ['--data', join(fixtures, 'native', f)]);
    // Strict reads "unanswerable" as SQuAD v2's empty answer; the wrong interval bracket stays wrong.
    expect(await accuracy('strict', textOnly)).toEqual({ math: 0.5, squad_v2: 1 });
    // The reference evaluator's math check ignores brackets, so it accepts (3, ∞] for (3, ∞).
    expect((await accuracy('reference', textOnly))['math']).toBe(1);
  }, 240_000);

  it('records a run\'s executor calls to a cassette and re-scores them offline in another mode', async () => {
    server = await FakeOpenAiServer.start(executor());
    const files = ['squad_v2.json', 'math.jsonl', 'mbpp.jsonl'].flatMap((f) => ['--data', join(fixtures, 'native', f)]);
    const root = await tempDir();
    const cassette = join(root, 'executor.cassette.jsonl');
    const recorded = await flowsteer(['eval', ...files, '--out', join(root, 'live'), '--policy', 'template:auto', '--concurrency', '1', '--record', cassette, '--json'], { env: evalEnv(server.baseUrl) });
    expect(recorded.code, recorded.stderr).toBe(0);
    const calls = server.requests.length;
    await server.close();
    server = undefined;
    // No server now: every executor answer comes from the cassette.
    const offline = await flowsteer(['eval', ...files, '--out', join(root, 'offline'), '--policy', 'template:auto', '--concurrency', '1', '--cassette', cassette, '--metric-mode', 'official', '--json'], { env: { FLOWSTEER_STORE_DIR: '.flowsteer' } });
    expect(offline.code, offline.stderr).toBe(0);
    const predictions = async (dir: string) =>
      (await readFile(join(root, dir, 'results.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { id: string; prediction: string; correct: boolean }).sort((a, b) => a.id.localeCompare(b.id));
    const live = await predictions('live');
    const replayed = await predictions('offline');
    expect(calls).toBeGreaterThan(0);
    expect(replayed.map((r) => [r.id, r.prediction])).toEqual(live.map((r) => [r.id, r.prediction]));
    // Same answers, other scorer: official SQuAD v2 does not read "unanswerable" as the empty answer.
    expect(live.find((r) => r.id === 'sq-2')?.correct).toBe(true);
    expect(replayed.find((r) => r.id === 'sq-2')?.correct).toBe(false);
  }, 240_000);

  it('refuses to mix runs and explains a missing model', async () => {
    server = await FakeOpenAiServer.start(executor());
    const out = join(await tempDir(), 'run');
    const data = ['--data', join(fixtures, 'gsm8k.jsonl')];
    expect((await flowsteer(['eval', ...data, '--out', out, '--policy', 'template:cot', '--json'], { env: evalEnv(server.baseUrl) })).code).toBe(0);
    const other = await flowsteer(['eval', '--data', join(fixtures, 'nq.jsonl'), '--out', out, '--policy', 'template:cot'], { env: evalEnv(server.baseUrl) });
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('holds a run with other settings: dataHash (');
    const otherMode = await flowsteer(['eval', ...data, '--out', out, '--policy', 'template:cot', '--metric-mode', 'official'], { env: evalEnv(server.baseUrl) });
    expect(otherMode.code).toBe(2);
    expect(otherMode.stderr).toContain('metricMode ("strict" → "official")');
    const noModel = await flowsteer(['eval', ...data, '--out', join(out, 'x')], { env: { FLOWSTEER_PLUGINS_SCAN_NODE_MODULES: 'true' } });
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toContain('evaluation needs an executor model');
  });
});
