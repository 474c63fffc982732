import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeOpenAiServer } from '@flowsteer/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { flowsteer, slotsProject } from './helpers.js';

const gsm8k = join(import.meta.dirname, '..', '..', '..', 'packages', 'eval', 'tests', 'fixtures', 'gsm8k.jsonl');

let project = '';
let server: FakeOpenAiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (project !== '') await rm(project, { recursive: true, force: true });
});

/** A project (removed after the test) whose config selects `slots` from the every-slot fixture plugin. */
async function projectWith(slots: Record<string, unknown>, extraPlugins: string[] = []): Promise<{ dir: string; log: () => Promise<string[]> }> {
  const made = await slotsProject(slots, extraPlugins);
  project = made.dir;
  return made;
}

describe('slots chosen by config drive the commands', () => {
  it('eval runs the configured plugin policy, executor, scorer and sandbox', async () => {
    const { dir, log } = await projectWith({ policy: { use: 'scripted' }, executor: { use: 'canned' }, scorer: { use: 'quarter' }, sandbox: { use: 'recording' } });
    const result = await flowsteer(['eval', '--data', gsm8k, '--out', join(dir, 'run'), '--json'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { summary: Array<{ n: number; meanScore: number; finishedRate: number }>; manifest: { policy: string; executor: string } };
    // Every problem finished under the default canvas and was scored by the plugin scorer alone.
    expect(report.summary).toEqual([expect.objectContaining({ n: 2, meanScore: 0.25, finishedRate: 1 })]);
    expect(report.manifest.policy).toBe('scripted:any');
    expect(report.manifest.executor).toContain('canned (flowsteer-policy-slots@1.0.0)');
    const calls = await log();
    expect(calls.filter((c) => c === 'act math').length).toBeGreaterThanOrEqual(2 * 5);
    expect(calls).toContain('execute Plan -> Custom -> Review ? Revise : done -> Format');
    expect(calls.filter((c) => c === 'score canned answer')).toHaveLength(2);
  });

  it('eval plays each problem on the canvas canvas.use names', async () => {
    const { dir, log } = await projectWith({ canvas: { use: 'flat' }, policy: { use: 'scripted' }, executor: { use: 'canned' }, scorer: { use: 'quarter' }, sandbox: { use: 'recording' } });
    const result = await flowsteer(['eval', '--data', gsm8k, '--out', join(dir, 'run'), '--json'], { cwd: dir });
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { summary: Array<{ n: number; meanScore: number; finishedRate: number; meanRounds: number }> };
    expect(report.summary).toEqual([expect.objectContaining({ n: 2, meanScore: 0.25, finishedRate: 1, meanRounds: 5 })]);
    const records = (await readFile(join(dir, 'run', 'results.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { dsl: string; prediction: string });
    expect(records.map((r) => [r.dsl, r.prediction])).toEqual([['flat: Plan, Custom, Format', 'canned answer'], ['flat: Plan, Custom, Format', 'canned answer']]);
    expect((await log()).filter((c) => c === 'canvas reset minOperators=5')).toHaveLength(2);
  });

  it('rejects a policy name nobody registered and lists the registered ones', async () => {
    const { dir } = await projectWith({});
    const result = await flowsteer(['eval', '--data', gsm8k, '--out', join(dir, 'run'), '--policy', 'onxx'], { cwd: dir, env: { FLOWSTEER_EXECUTOR_MODEL: 'm', FLOWSTEER_EXECUTOR_BASE_URL: 'http://127.0.0.1:9/v1' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown policy "onxx"; registered: auto, custom, human, llm, onnx, scripted, template:auto, template:code-check, template:cot,/);
    const app = await flowsteer(['tui', '--policy', 'onxx'], { cwd: dir });
    expect(app.code).toBe(2);
    expect(app.stderr).toContain('unknown policy "onxx"');
  });

  it('run uses the sandbox sandbox.use names, with its configured limits', async () => {
    server = await FakeOpenAiServer.start(() => ({ content: '```python\ndef add(a, b):\n    return a - b\n```' }));
    const { dir, log } = await projectWith({ sandbox: { use: 'recording', timeoutMs: 4321 } });
    await writeFile(join(dir, 'tests.py'), 'assert add(1, 2) == 3\n');
    const result = await flowsteer(['run', '--task', 'Write add(a, b).', '--workflow', 'Programmer -> Test', '--type', 'code', '--entry-point', 'add', '--tests', join(dir, 'tests.py'), '--json'], {
      cwd: dir,
      env: { FLOWSTEER_EXECUTOR_BASE_URL: server.baseUrl, FLOWSTEER_EXECUTOR_MODEL: 'exec' },
    });
    expect(result.stderr).toBe('');
    expect(await log()).toContain('sandbox 4321');
  });

  it('score --sandbox opens the named sandbox with the configured limits, not the sandbox defaults', async () => {
    const { dir, log } = await projectWith({ sandbox: { use: 'system-python', timeoutMs: 4321 } });
    await writeFile(join(dir, 'tests.py'), 'assert add(1, 2) == 3\n');
    const result = await flowsteer(['score', '--metric', 'pass@1', '--sandbox', 'recording', '--prediction', 'def add(a, b):\n    return a + b', '--test', join(dir, 'tests.py')], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(await log()).toContain('sandbox 4321');
  });

  it('run executes the workflow with the executor executor.use names, with its progress and report', async () => {
    const { dir, log } = await projectWith({ executor: { use: 'canned' } });
    const args = ['run', '--task', 'What is 6*7?', '--type', 'math', '--workflow', 'Plan -> Custom -> Format'];
    const text = await flowsteer(args, { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/^▶ executor canned \(flowsteer-policy-slots@1\.0\.0\)\n✓ executor canned \d+ ms, 0 tokens\n$/);
    expect(text.stdout).toContain('backend:  executor canned (flowsteer-policy-slots@1.0.0)');
    expect(text.stdout).toContain('(this executor reports no per-node results)');
    expect(text.stdout).toMatch(/answer: canned answer\n$/);
    const json = await flowsteer([...args, '--json'], { cwd: dir });
    expect(JSON.parse(json.stdout)).toMatchObject({ workflow: 'Plan -> Custom -> Format', success: true, answer: 'canned answer', nodes: [] });
    expect((await log()).filter((c) => c === 'execute Plan -> Custom -> Format')).toHaveLength(2);
  });

  it('run uses the built-in simulator when executor.use=simulated, with no model configured', async () => {
    const { dir } = await projectWith({ executor: { use: 'simulated' } });
    const result = await flowsteer(['run', '--task', 'What is 6*7?', '--type', 'math', '--workflow', 'Plan -> Programmer -> Verify ? Revise : done -> Format', '--json'], { cwd: dir });
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { success: boolean; answer: string; backend: string; usage: { totalTokens: number } };
    expect(report.backend).toBe('executor simulated (@flowsteer/tui (built-in))');
    expect(report.answer).toMatch(/^\[simulated\] p\(correct\) = \d+\.\d% for a math task/);
    expect(report.usage.totalTokens).toBeGreaterThan(0);
  });

  it('a plugin trainer gets the canvas canvas.use names and the executor executor.use names', async () => {
    const { dir, log } = await projectWith({ trainer: { use: 'tiny', options: { play: true } }, canvas: { use: 'flat' }, executor: { use: 'canned' } });
    const result = await flowsteer(['train', '--out', join(dir, 'out')], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await log()).toEqual([`train ${join(dir, 'out')} minOperators=5`, 'canvas reset minOperators=5', 'execute Plan', 'trainer played flat: Plan -> "canned answer"']);
  });

  it('train runs the trainer trainer.use names with the one canvas section', async () => {
    const { dir, log } = await projectWith({ trainer: { use: 'tiny', options: { depth: 2 } } });
    const result = await flowsteer(['train', '--out', join(dir, 'out')], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('tiny trainer: 1 update\n');
    expect(await log()).toEqual([`train ${join(dir, 'out')} minOperators=5`]);
    const json = await flowsteer(['train', '--out', join(dir, 'out'), '--json'], { cwd: dir });
    expect(JSON.parse(json.stdout)).toEqual({ trainer: 'tiny', options: { depth: 2 } });
  });
});

describe('built-ins are slots like any plugin', () => {
  it('plugins list names the built-in contributions per slot, in text and JSON', async () => {
    const { dir } = await projectWith({});
    const text = await flowsteer(['plugins', 'list'], { cwd: dir });
    expect(text.code).toBe(0);
    const builtIn = text.stdout.slice(text.stdout.indexOf('Built in:'));
    expect(builtIn).toMatch(/^Built in:\n  @flowsteer\/tui \(built-in\)\n    policy    human, llm, onnx, template:auto, /);
    for (const row of ['    executor  simulated, workflow\n', '    canvas    workflow\n', '    trainer   cwrpo\n', '    scorer    em, f1, math, mc, pass@1\n', '  @flowsteer/core\n    store     file\n']) expect(builtIn).toContain(row);
    // A plugin's contributions stay with the plugin, not with the built-ins.
    expect(builtIn).not.toContain('scripted');
    const json = JSON.parse((await flowsteer(['plugins', 'list', '--json'], { cwd: dir })).stdout) as { builtins: Array<{ provider: string; provides: Record<string, string[]> }>; loaded: Array<{ name: string }> };
    const app = json.builtins.find((b) => b.provider === '@flowsteer/tui (built-in)');
    expect(app?.provides).toMatchObject({ executor: ['simulated', 'workflow'], canvas: ['workflow'], trainer: ['cwrpo'], scorer: ['em', 'f1', 'math', 'mc', 'pass@1'] });
    expect(app?.provides['policy']).toEqual(expect.arrayContaining(['human', 'llm', 'onnx', 'template:auto']));
    expect(json.builtins.find((b) => b.provider === '@flowsteer/core')?.provides).toEqual({ store: ['file'] });
    expect(json.builtins.some((b) => b.provider.startsWith('flowsteer-policy-slots'))).toBe(false);
    expect(json.loaded.map((p) => p.name)).toContain('flowsteer-policy-slots');
  });

  it('scorer.use=pass@1 scores code through flowsteer score in the sandbox sandbox.use names', async () => {
    const { dir, log } = await projectWith({ scorer: { use: 'pass@1' } });
    await writeFile(join(dir, 'tests.py'), 'assert add(1, 2) == 3\n');
    const score = (prediction: string, extra: string[] = []) => flowsteer([...extra, 'score', '--prediction', prediction, '--test', join(dir, 'tests.py'), '--entry-point', 'add', '--json'], { cwd: dir });
    const right = await score('```python\ndef add(a, b):\n    return a + b\n```');
    expect(right.stderr).toBe('');
    expect(JSON.parse(right.stdout)).toMatchObject({ metric: 'pass@1', score: 1, correct: true });
    const wrong = await score('def add(a, b):\n    return a - b');
    expect(JSON.parse(wrong.stdout)).toMatchObject({ metric: 'pass@1', score: 0, correct: false });
    // The code runs where sandbox.use says: the plugin's recording sandbox fails everything.
    expect(await log()).toEqual([]);
    const recorded = await score('```python\ndef add(a, b):\n    return a + b\n```', ['--set', 'sandbox.use=recording']);
    expect(JSON.parse(recorded.stdout)).toMatchObject({ metric: 'pass@1', score: 0, correct: false });
    expect(await log()).toEqual(['sandbox default']);
  });
});

describe('the host survives hostile plugins and odd input', () => {
  it('skips a register() that never settles and is not kept alive by a plugin timer', async () => {
    project = await mkdtemp(join(tmpdir(), 'flowsteer-hang-'));
    const write = async (name: string, source: string) => {
      await mkdir(join(project, name), { recursive: true });
      await writeFile(join(project, name, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', main: 'index.js', flowsteer: { kind: 'operator', apiVersion: 1 } }));
      await writeFile(join(project, name, 'index.js'), source);
    };
    await write('flowsteer-operator-pending', `export default { meta: { name: 'flowsteer-operator-pending', version: '1.0.0', apiVersion: 1 }, register() { return new Promise(() => {}); } };`);
    await write('flowsteer-operator-ticking', `setInterval(() => {}, 1000); export default { meta: { name: 'flowsteer-operator-ticking', version: '1.0.0', apiVersion: 1 }, register() {} };`);
    await writeFile(join(project, 'flowsteer.config.json'), JSON.stringify({ plugins: { paths: ['./flowsteer-operator-pending', './flowsteer-operator-ticking'], loadTimeoutMs: 2000 } }));
    const result = await flowsteer(['plugins', 'list', '--json'], { cwd: project });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { loaded: Array<{ name: string }>; skipped: Array<{ name: string; code: string }> };
    expect(report.skipped).toEqual([expect.objectContaining({ name: 'flowsteer-operator-pending', code: 'TIMEOUT' })]);
    expect(report.loaded.map((p) => p.name)).toContain('flowsteer-operator-ticking');
  });

  it('warns about an unknown FLOWSTEER_ variable instead of stopping, and rejects 0 where 0 makes no sense', async () => {
    project = await mkdtemp(join(tmpdir(), 'flowsteer-env-'));
    const shown = await flowsteer(['config', 'show', '--json'], { cwd: project, env: { FLOWSTEER_SOMETHING_ELSE: '1' } });
    expect(shown.code).toBe(0);
    expect(shown.stderr).toContain('warning: ignoring unknown environment variable FLOWSTEER_SOMETHING_ELSE');
    for (const args of [['train', '--out', join(project, 'o'), '--groups', '0'], ['run', '--task', 't', '--workflow', 'Custom', '--node-timeout', '0']]) {
      const result = await flowsteer(args, { cwd: project });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/expects a positive integer, got "0"/);
    }
  });
});
