import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalPolicy, Trainer, DEFAULT_TRAIN_CONFIG, exportTrajectory, rollout, trajectoriesToJsonl } from '../src/index.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const run = promisify(execFile);
let dir = '';
afterEach(async () => {
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
