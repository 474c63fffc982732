import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { flowsteer } from './helpers.js';

const bin = join(import.meta.dirname, '..', 'dist', 'main.js');
let dir = '';
afterEach(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('flowsteer train', () => {
  it('trains on the simulator, writes checkpoint, metrics, ONNX and evaluation, and resumes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowsteer-train-'));
    const args = ['train', '--env', 'sim', '--out', dir, '--groups', '2', '--group-size', '3', '--eval-tasks', '6', '--seed', '5'];
    const first = await flowsteer([...args, '--updates', '2', '--json']);
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as { updates: number; resumedFrom: number | null; onnx: string; evaluation: { trained: { meanSuccessProbability: number }; templates: unknown[] } };
    expect(report).toMatchObject({ updates: 2, resumedFrom: null, onnx: join(dir, 'policy.onnx') });
    expect(report.evaluation.templates.length).toBeGreaterThan(3);
    const metrics = (await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { update: number; meanReward: number; earlyFinishRate: number; meanFinishRound: number });
    expect(metrics.map((m) => m.update)).toEqual([0, 1]);
    expect(Object.keys(metrics[0]!)).toEqual(expect.arrayContaining(['meanReward', 'meanCorrectness', 'meanStructureReward', 'meanFinishRound', 'earlyFinishRate']));
    expect((await readFile(join(dir, 'policy.onnx'))).length).toBeGreaterThan(1000);

    // Rerunning the same command resumes where the checkpoint stopped.
    const second = await flowsteer([...args, '--updates', '3']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('resumed at update 2, trained to update 3');
    expect(second.stderr).toMatch(/update 3\/3 █+ reward/);
    expect(second.stdout).toMatch(/trained \(greedy\)\s+\d+\.\d%/);
  });

  it('rejects an unknown environment or reward with exit 2', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowsteer-train-'));
    expect((await flowsteer(['train', '--env', 'gym', '--out', dir])).stderr).toContain('--env gym is not available');
    const bad = await flowsteer(['train', '--out', dir, '--reward', 'vibes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--reward must be cwrpo or correctness');
  });
});

describe('flowsteer export-trajectories', () => {
  it('writes JSONL with messages, rewards and advantages', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowsteer-export-'));
    const out = join(dir, 'trajectories.jsonl');
    const result = await flowsteer(['export-trajectories', '--out', out, '--groups', '2', '--group-size', '2']);
    expect(result.stdout.trim()).toBe(`wrote 4 trajectories to ${out}`);
    const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { messages: Array<{ role: string; trainable: boolean }>; reward: number; advantage: number });
    expect(lines).toHaveLength(4);
    expect(lines[0]?.messages[0]).toMatchObject({ role: 'user', trainable: false });
    expect(lines.reduce((s, l) => s + l.advantage, 0)).toBeCloseTo(0, 9);
  });
});
