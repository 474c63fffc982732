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
    expect(second.stdout).toMatch(/trained \(greedy\), \d+\.\d% of ceiling\s+\d+\.\d%/);
    expect(second.stdout).toMatch(/ceiling \(best workflow per family\)\s+\d+\.\d%/);
    expect(second.stdout).toMatch(/random until it finishes\s+\d+\.\d%/);
  });

  it('Ctrl-C stops at an update, keeps the checkpoint, says how to resume and exits 130; the rerun resumes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowsteer-train-'));
    const args = ['train', '--env', 'sim', '--out', dir, '--groups', '2', '--group-size', '3', '--eval-tasks', '6', '--updates', '400'];
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    // Interrupt once two updates are done and the pace (eta) is known.
    for (let i = 0; i < 1200 && !/update +2\/400 .* eta \d/.test(stderr); i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(stderr).toMatch(/update +2\/400 .* eta \d/);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(new RegExp(`interrupted after update \\d+; the checkpoint in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is kept — rerun the same command to resume`));
    const resumed = await flowsteer([...args.slice(0, -1), '3']);
    expect(resumed.stdout).toMatch(/resumed at update \d+, trained to update/);
  });

  it('runs the multi-seed study with --seeds and prints mean ± sd per method', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowsteer-train-'));
    const result = await flowsteer(['train', '--env', 'sim', '--seeds', '1,2', '--out', dir, '--updates', '2', '--groups', '2', '--group-size', '3', '--eval-tasks', '6', '--lr', '0.02', '--entropy', '0.01']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/CWRPO \(greedy\)\s+\d+\.\d% ± \d+\.\d\s+\d+\.\d% \d+\.\d%/);
    expect(result.stdout).toMatch(/plain-correctness GRPO \(greedy\)\s+\d+\.\d% ± /);
    expect(result.stdout).toContain('lr 0.02, AdamW decay 0.01, clip 0.2, KL 0.005, entropy 0.01');
    const study = JSON.parse(await readFile(join(dir, 'study.json'), 'utf8')) as { seeds: Array<{ seed: number }> };
    expect(study.seeds.map((s) => s.seed)).toEqual([1, 2]);
  });

  it('rejects an unknown environment or reward with exit 2', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowsteer-train-'));
    expect((await flowsteer(['train', '--env', 'gym', '--out', dir])).stderr).toContain('--env gym is not available');
    const bad = await flowsteer(['train', '--out', dir, '--reward', 'vibes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--reward must be cwrpo or correctness');
    const seeds = await flowsteer(['train', '--out', dir, '--seeds', '1,x']);
    expect(seeds.code).toBe(2);
    expect(seeds.stderr).toContain('--seeds expects a comma-separated list');
    const lr = await flowsteer(['train', '--out', dir, '--lr', 'fast']);
    expect(lr.code).toBe(2);
    expect(lr.stderr).toContain('--lr expects a non-negative number');
    const group = await flowsteer(['train', '--out', dir, '--group-size', '1']);
    expect(group.code).toBe(2);
    expect(group.stderr).toContain('--group-size must be at least 2');
  });
});

describe('flowsteer export-trajectories', () => {
  it('writes per-turn samples of a trained checkpoint and refuses a folder without one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowsteer-export-'));
    const run = join(dir, 'run');
    expect((await flowsteer(['train', '--out', run, '--groups', '2', '--group-size', '2', '--updates', '1', '--eval-tasks', '2'])).code).toBe(0);
    const out = join(dir, 'samples.jsonl');
    const result = await flowsteer(['export-trajectories', '--from', run, '--out', out, '--groups', '2', '--group-size', '2']);
    expect(result.code).toBe(0);
    const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { episode_id: string; turn_index: number; prompt: string; completion: string; advantage: number; done: boolean; mlp_action_index?: number; completion_token_ids?: number[] });
    const episodes = new Set(lines.map((l) => l.episode_id));
    expect(result.stdout.trim()).toBe(`wrote ${lines.length} turn samples from 4 episodes to ${out}`);
    expect(episodes.size).toBe(4);
    expect(lines.filter((l) => l.done)).toHaveLength(4);
    expect(lines.every((l) => l.prompt.length > 0 && l.completion_token_ids === undefined)).toBe(true);
    expect(lines.some((l) => typeof l.mlp_action_index === 'number')).toBe(true);

    const empty = join(dir, 'empty');
    const missing = await flowsteer(['export-trajectories', '--from', empty, '--out', join(dir, 'nothing.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('holds no CWRPO checkpoint');
    await expect(readFile(join(dir, 'nothing.jsonl'))).rejects.toThrow();
    const noFrom = await flowsteer(['export-trajectories', '--out', join(dir, 'nothing.jsonl')]);
    expect(noFrom.code).toBe(2);
    expect(noFrom.stderr).toContain('--untrained');
  });
});
