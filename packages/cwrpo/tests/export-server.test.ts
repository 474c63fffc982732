import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvServer, LocalPolicy, Trainer, DEFAULT_TRAIN_CONFIG, exportTrajectory, rollout, trajectoriesToJsonl } from '../src/index.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const run = promisify(execFile);
let server: EnvServer | undefined;
let dir = '';
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('trajectory export', () => {
  it('writes messages, token ids and the canvas token mask', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cwrpo-export-'));
    const { trainer } = await Trainer.open(dir, DEFAULT_TRAIN_CONFIG);
    const task = trainer.simulator.taskSet(1, 9)[0]!;
    const trajectory = await rollout(LocalPolicy.create(2), task, { ...trainer.rolloutOptions(), keepText: true });
    trajectory.advantage = 0.5;
    const actionTurns = trajectory.turns.filter((t) => t.tokenIds !== undefined);
    const plain = exportTrajectory(trajectory);
    expect(plain.messages[0]).toMatchObject({ role: 'user', trainable: false });
    expect(plain.messages.filter((m) => m.trainable)).toHaveLength(trajectory.turns.length);
    expect(plain.token_ids).toBeUndefined();
    expect(plain).toMatchObject({ final_dsl: trajectory.finalDsl, reward: trajectory.reward.total, advantage: 0.5 });

    // Prompt turns carry no token ids in the local policy, so a full token stream needs every turn tokenised.
    const allTokenised = { ...trajectory, turns: trajectory.turns.map((t) => ({ ...t, tokenIds: t.tokenIds ?? [99] })) };
    const tokenised = exportTrajectory(allTokenised, { tokenizeFeedback: (text) => [text.length % 7, 1] });
    expect(tokenised.token_ids).toHaveLength(trajectory.turns.length * 3);
    expect(tokenised.loss_mask?.filter((m) => m === 1)).toHaveLength(trajectory.turns.length);
    expect(tokenised.loss_mask?.slice(0, 3)).toEqual([1, 0, 0]);
    expect(actionTurns.length).toBeGreaterThan(0);
    const lines = trajectoriesToJsonl([trajectory, trajectory]).trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ id: trajectory.id });
  });
});

describe('EnvServer', () => {
  it('serves reset/step over HTTP and runs the example client to the end', async () => {
    server = new EnvServer();
    const base = await server.listen(0);
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ ok: true, sessions: 0 });
    const example = join(import.meta.dirname, '..', 'examples', 'env-client.mjs');
    const { stdout } = await run(process.execPath, [example, base]);
    expect(JSON.parse(stdout)).toEqual({ turns: 10, dsl: 'Plan -> Programmer -> Verify ? Revise : done -> Format', structureReward: 0.8 });
    expect(server.sessionCount).toBe(0);
  });

  it('answers bad requests with clear errors', async () => {
    server = new EnvServer({ canvas: { minOperators: 1, requireChecker: false, requireStructure: false } });
    const base = await server.listen(0);
    const post = (path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    expect((await post('/reset', '{oops')).status).toBe(400);
    const noTask = await post('/reset', {});
    expect(noTask.status).toBe(400);
    expect(((await noTask.json()) as { error: string }).error).toBe('body.task.problem must be a non-empty string');
    expect((await post('/step', { session: 'nope', action: 'x' })).status).toBe(404);
    const { session } = (await (await post('/reset', { task: { problem: 'p', type: 'qa' } })).json()) as { session: string };
    expect((await post('/step', { session, action: 42 })).status).toBe(400);
    const invalid = (await (await post('/step', { session, action: 'gibberish' })).json()) as { info: { accepted: boolean }; done: boolean };
    expect(invalid).toMatchObject({ done: false, info: { accepted: false } });
    await post('/step', { session, action: '<action>add</action><operator>Custom</operator>' });
    await post('/step', { session, action: 'Answer briefly.' });
    const done = (await (await post('/step', { session, action: '<action>finish</action>' })).json()) as { done: boolean };
    expect(done.done).toBe(true);
    expect((await post('/step', { session, action: '<action>finish</action>' })).status).toBe(409);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
  });
});
