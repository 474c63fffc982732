import { rm } from 'node:fs/promises';
import { Tokens, resolveToken, type Store } from '@flowsteer/core';
import { afterEach, describe, expect, it } from 'vitest';
import { boot, type CliIo } from '../src/cli/shared.js';
import { resolveRuntime, type Runtime } from '../src/session/runtime.js';
import { OrchestrationSession, listSessions } from '../src/session/session.js';
import { App } from '../src/tui/App.js';
import { sessionDepsFor } from '../src/tui/session-deps.js';
import { renderApp, startTask, until, type Rendered } from './frames.js';
import { slotsProject } from './helpers.js';

let project = '';
let runtime: Runtime | undefined;
let app: Rendered | undefined;
afterEach(async () => {
  app?.unmount();
  app = undefined;
  await runtime?.close();
  runtime = undefined;
  if (project !== '') await rm(project, { recursive: true, force: true, maxRetries: 5 });
  project = '';
});

/**
 * The app exactly as `flowsteer tui` builds it (host, runtime, sessions from the configured
 * slots), in a project whose config selects `slots` from the every-slot fixture plugin.
 */
async function appWith(slots: Record<string, unknown>): Promise<{ app: Rendered; log: () => Promise<string[]>; sessions: OrchestrationSession[]; store: Store }> {
  const made = await slotsProject(slots);
  project = made.dir;
  const io: CliIo = { stdout: () => undefined, stderr: () => undefined, cwd: project, env: {}, stdin: async () => '', interactive: true };
  const host = await boot(io, { set: [] });
  runtime = await resolveRuntime(host, { events: host.events, probeUrls: [] });
  const store = resolveToken(host.container, Tokens.Store);
  const deps = await sessionDepsFor(host, runtime, store);
  const sessions: OrchestrationSession[] = [];
  const start = async (problem: string, type: string) => {
    const session = await OrchestrationSession.start({ problem, type }, deps(type));
    sessions.push(session);
    return session;
  };
  app = renderApp(<App start={start} runtimeLabel={runtime.label} runtimeHint={runtime.hint} autoDelayMs={5} size={{ columns: 100, rows: 40 }} />);
  return { app, log: made.log, sessions, store };
}

describe('the app plays on the slots config names', () => {
  it('a plugin policy, executor and canvas drive a session: steps, the finish and the run', async () => {
    const { app, log, sessions, store } = await appWith({ policy: { use: 'scripted' }, executor: { use: 'canned' }, canvas: { use: 'flat' } });
    let frame = await until(app, 'Give the Flow-Director a task');
    expect(frame).toContain('policy scripted:any · executor canned (flowsteer-policy-slots@1.0.0)');
    app.stdin.write('What is 6*7?\r');
    await until(app, 'no turns yet');
    expect(sessions[0]?.workflow).toBeUndefined();
    expect(await log()).toEqual(['canvas reset minOperators=5']);
    app.stdin.write('a');
    frame = await until(app, 'workflow finished', 15_000);
    expect(frame).toContain('flat: Plan, Custom, Format');
    // The plugin canvas ran the plugin executor on its finish.
    expect((await log()).filter((c) => c === 'act math')).toHaveLength(5);
    expect(await log()).toContain('execute Plan -> Custom -> Format');
    app.stdin.write('r');
    await until(app, 'answer: canned answer');
    // The final run hands the executor the workflow the plugin canvas reports.
    expect((await log()).at(-1)).toBe('execute flat: Plan, Custom, Format');
    expect(sessions[0]?.final).toMatchObject({ answer: 'canned answer', success: true, dsl: 'flat: Plan, Custom, Format' });
    // The saved session, with the plugin canvas's own snapshot, lists as finished (resumable, not damaged).
    expect(await listSessions(store)).toEqual([expect.objectContaining({ id: sessions[0]?.id, finished: true, dsl: 'flat: Plan, Custom, Format', turns: 5 })]);
    expect((await listSessions(store))[0]?.damaged).toBeUndefined();
  });

  it('on a plugin canvas the graph keys say why they are off, and a typed action reaches the canvas', async () => {
    const { app, sessions } = await appWith({ policy: { use: 'scripted' }, executor: { use: 'canned' }, canvas: { use: 'flat' } });
    await startTask(app);
    app.stdin.write('o');
    await until(app, 'this canvas (canvas.use) has no graph to edit here');
    app.stdin.write('h');
    await until(app, 'you>');
    app.stdin.write('add Verify\r');
    const frame = await until(app, 'turn 1 · you · action · accepted');
    expect(frame).toContain('flat: Verify');
    expect(sessions[0]?.round).toBe(1);
    expect(sessions[0]?.snapshot()).toMatchObject({ done: false, canvas: { operators: ['Verify'] } });
  });

  it('on the built-in canvas, policy.use and executor.use still pick the plugin policy and executor', async () => {
    const { app, log, sessions } = await appWith({ policy: { use: 'scripted' }, executor: { use: 'canned' } });
    await startTask(app);
    expect(sessions[0]?.workflow).toBeDefined();
    app.stdin.write('a');
    // The default finish rules hold: the scripted workflow has a checker and a structure.
    const frame = await until(app, 'workflow finished', 15_000);
    expect(frame).toContain('Plan -> Custom -> Review ? Revise : done -> Format');
    expect(await log()).toContain('execute Plan -> Custom -> Review ? Revise : done -> Format');
    expect((await log()).filter((c) => c === 'act math').length).toBeGreaterThanOrEqual(5);
    app.stdin.write('r');
    await until(app, 'answer: canned answer');
    expect(sessions[0]?.final).toMatchObject({ answer: 'canned answer', success: true });
  });
});
