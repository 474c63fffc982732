import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', 'dist', 'main.js');
const pluginDir = join(import.meta.dirname, 'fixtures', 'slots-plugin');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A project whose config installs the every-slot fixture plugin and selects `slots` from it. */
async function projectWith(slots: Record<string, unknown>): Promise<{ dir: string; log: () => Promise<string[]> }> {
  const dir = await mkdtemp(join(tmpdir(), 'flowsteer-serve-env-slots-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const logFile = join(dir, 'calls.log');
  await writeFile(join(dir, 'flowsteer.config.json'), JSON.stringify({ ...slots, plugins: { paths: [pluginDir], options: { 'flowsteer-policy-slots': { log: logFile } } } }));
  const log = async (): Promise<string[]> => (await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter((line) => line !== '');
  return { dir, log };
}

/** Starts the built binary's serve-env in `cwd` and resolves with its URL and start-up line once it listens. */
async function serveEnv(cwd: string): Promise<{ url: string; banner: string }> {
  const child = spawn(process.execPath, [bin, 'serve-env', '--port', '0'], { cwd, env: { PATH: process.env['PATH'] ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /serving the canvas at (http:\/\/\S+).*\n/.exec(stdout);
      if (match !== null) resolve({ url: match[1] as string, banner: match[0] });
    });
    void exited.then((code) => reject(new Error(`serve-env exited with ${code}: ${stderr}`)));
  });
}

async function post(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await response.json()) as Record<string, unknown>;
  expect(response.status, JSON.stringify(json)).toBe(200);
  return json;
}

/** One episode over HTTP: reset with `task`, then each action; returns the last step. */
async function episode(url: string, task: Record<string, unknown>, actions: readonly string[]): Promise<Record<string, unknown>> {
  const { session } = (await post(url, '/v1/reset', { task })) as { session: string };
  let last: Record<string, unknown> = {};
  for (const action of actions) last = await post(url, '/v1/step', { session, action });
  return last;
}

const FLAT_ACTIONS = ['<action>add</action><operator>Plan</operator>', '<action>add</action><operator>Custom</operator>', '<action>finish</action>'];

describe('serve-env uses the slots config chooses', () => {
  it('plays the canvas.use canvas, executes with executor.use and scores with scorer.use', async () => {
    const { dir, log } = await projectWith({ canvas: { use: 'flat', minOperators: 3 }, executor: { use: 'canned' }, scorer: { use: 'quarter' }, sandbox: { use: 'recording' } });
    const { url, banner } = await serveEnv(dir);
    expect(banner).toContain('executor canned (flowsteer-policy-slots@1.0.0), canvas flat, scorer quarter, sandbox recording');
    const last = await episode(url, { problem: 'What is 6 times 7?', type: 'math', answer: '42' }, FLAT_ACTIONS);
    // The plugin canvas ended the episode, its executor's output is the answer, its scorer gave 0.25.
    expect(last).toMatchObject({ done: true, info: { round: 3, finished: true, forcedFinish: false } });
    expect(last['breakdown']).toMatchObject({ dsl: 'flat: Plan, Custom', prediction: 'canned answer', correctness: 0.25, rounds: 3, finished: true, metric: 'math', scoreDetail: 'scored by the quarter scorer' });
    expect(await log()).toEqual(['canvas reset minOperators=3', 'execute Plan -> Custom', 'score canned answer']);
  });

  it('scores code with pass@1 in the sandbox.use sandbox, with its configured limits, when scorer.use is auto', async () => {
    const { dir, log } = await projectWith({ canvas: { use: 'flat' }, executor: { use: 'canned' }, sandbox: { use: 'recording', timeoutMs: 4321 } });
    const { url, banner } = await serveEnv(dir);
    expect(banner).toContain('canvas flat, each task metric, sandbox recording');
    const task = { problem: 'Write double(x).', type: 'code', tests: 'def check(candidate):\n    assert candidate(2) == 4\n', entryPoint: 'double', source: 'humaneval' };
    const last = await episode(url, task, FLAT_ACTIONS);
    // The recording sandbox fails every run, so the canned answer scores 0 under pass@1.
    expect(last['breakdown']).toMatchObject({ prediction: 'canned answer', correctness: 0, metric: 'pass@1' });
    const calls = await log();
    expect(calls).toContain('execute Plan -> Custom');
    expect(calls).toContain('sandbox 4321');
    expect(calls.filter((call) => call.startsWith('score '))).toEqual([]);
  });
});
