import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { slotsProject, startServeEnv, type ServeEnvProcess } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A project (removed after the test) whose config selects `slots` from the every-slot fixture plugin. */
async function projectWith(slots: Record<string, unknown>): Promise<{ dir: string; log: () => Promise<string[]> }> {
  const made = await slotsProject(slots);
  cleanups.push(() => rm(made.dir, { recursive: true, force: true }));
  return made;
}

/** The built binary's serve-env in `cwd`, with its URL and start-up line once it listens. */
const serveEnv = (cwd: string): Promise<ServeEnvProcess> => startServeEnv([], { cwd, cleanups });

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
