import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, LocalPolicy, Trainer, WorkflowSimulator, evaluatePolicy, evaluateRandomUntilFinish, evaluateTemplates, formatStudy, parseDslForTests, rollout, runStudy, type TrainConfig } from './support.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cwrpo-'));
  dirs.push(dir);
  return dir;
}

const small: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, groups: 6, groupSize: 6, updates: 6, seed: 3 };

describe('simulator', () => {
  it('has a different best workflow per family, so no single template is best', () => {
    const sim = new WorkflowSimulator();
    const tasks = sim.taskSet(90, 1);
    const ranked = evaluateTemplates(tasks, sim);
    const bestPerFamily = ['math', 'qa', 'code'].map((f) => [...ranked].sort((a, b) => (b.byFamily[f] as number) - (a.byFamily[f] as number))[0]?.name);
    expect(new Set(bestPerFamily).size).toBeGreaterThan(1);
    const noSolver = parseDslForTests('Plan -> Verify -> Format');
    expect(sim.successProbability(tasks[0]!, noSolver)).toBe(0.03);
  });
});

describe('training rewards', () => {
  it('come from sampled binary correctness, and an episode ended by the round limit is scored and marked forced', async () => {
    const { trainer } = await Trainer.open(await tempDir(), { ...small, canvas: { ...small.canvas, maxRounds: 6 } });
    const task = trainer.simulator.taskSet(3, 8)[2]!;
    // A policy that never finishes: the round limit ends every episode.
    const never = { id: 'never-finish', act: async (o: { awaitingPrompt: boolean }) => ({ text: o.awaitingPrompt ? 'go' : '<action>add</action><operator>Programmer</operator>' }) };
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const t = await rollout(never as never, task, trainer.rolloutOptions('cwrpo', i), `never-${i}`);
      expect(t).toMatchObject({ finished: false, forcedFinish: true, finishRound: null });
      expect(t.reward.forcedFinish).toBe(true);
      expect(t.reward.forcedFinishPenalty).toBeGreaterThan(0);
      seen.add(t.correctness);
    }
    // Programmer alone succeeds about half the time on code: both outcomes appear, nothing in between.
    expect([...seen].sort()).toEqual([0, 1]);
  });
});

describe('rollouts', () => {
  it('runs a policy through the real canvas and records decisions as tokens', async () => {
    const { trainer } = await Trainer.open(await tempDir(), small);
    const task = trainer.simulator.taskSet(1, 5)[0]!;
    const trajectory = await rollout(LocalPolicy.create(1), task, trainer.rolloutOptions());
    const actions = trajectory.turns.filter((t) => t.kind === 'action');
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.every((t) => t.tokenIds?.length === 1 && t.logprobs?.length === 1 && (t.logprobs[0] as number) <= 0)).toBe(true);
    expect(trajectory.turns.filter((t) => t.kind === 'prompt').every((t) => t.tokenIds === undefined)).toBe(true);
    expect(trajectory.reward.total).toBeGreaterThanOrEqual(-1);
  });
});

describe('Trainer', () => {
  it('learns: after training, the greedy policy beats random-until-finish and the best single template', async () => {
    const dir = await tempDir();
    const { trainer } = await Trainer.open(dir, { ...DEFAULT_TRAIN_CONFIG, updates: 60, seed: 7 });
    await trainer.run();
    const tasks = trainer.simulator.taskSet(90, 2024);
    const trained = await evaluatePolicy('trained', () => trainer.policy('greedy'), tasks, trainer);
    const random = await evaluateRandomUntilFinish(tasks, trainer, 100);
    const bestTemplate = evaluateTemplates(tasks, trainer.simulator)[0]!;
    expect(trained.meanSuccessProbability).toBeGreaterThan(random + 0.3);
    expect(trained.meanSuccessProbability).toBeGreaterThan(bestTemplate.meanSuccessProbability);
    const metrics = (await readFile(trainer.metricsPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { update: number; meanReward: number; zeroAdvantageGroupShare: number });
    expect(metrics.map((m) => m.update)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(metrics.every((m) => m.zeroAdvantageGroupShare >= 0 && m.zeroAdvantageGroupShare <= 1)).toBe(true);
    const early = metrics.slice(0, 5).reduce((a, m) => a + m.meanReward, 0) / 5;
    const late = metrics.slice(-5).reduce((a, m) => a + m.meanReward, 0) / 5;
    expect(late).toBeGreaterThan(early + 0.3);
  });

  it('resumes from its checkpoint to exactly the same weights as an uninterrupted run', async () => {
    const straight = await tempDir();
    const { trainer: a } = await Trainer.open(straight, small);
    await a.run();
    const split = await tempDir();
    const { trainer: b1 } = await Trainer.open(split, { ...small, updates: 3 });
    await b1.run();
    const { trainer: b2, resumed, ignored } = await Trainer.open(split, small);
    expect(resumed).toBe(true);
    expect(ignored).toEqual([]);
    expect(b2.completedUpdates).toBe(3);
    expect(b2.config.updates).toBe(6);
    await b2.run();
    expect([...b2.params.w2]).toEqual([...a.params.w2]);
    expect([...b2.params.w1]).toEqual([...a.params.w1]);
    const { ignored: changed } = await Trainer.open(split, { ...small, seed: 99 });
    expect(changed).toEqual(['seed']);
  });

  it('refuses a checkpoint of the old format with a typed error and leaves it in place', async () => {
    const dir = await tempDir();
    const old = JSON.stringify({ format: 'flowsteer.cwrpo.checkpoint', version: 1, config: small, completedUpdates: 3 });
    await writeFile(Trainer.checkpointPath(dir), old);
    await expect(Trainer.open(dir, small)).rejects.toMatchObject({ name: 'StoreError', code: 'STORE_FAILED', message: expect.stringContaining('version 1 checkpoint') });
    expect(await readFile(Trainer.checkpointPath(dir), 'utf8')).toBe(old);
  });

  it('survives kill -9 mid-run: a restart finishes with the weights of an uninterrupted run', async () => {
    const reference = await tempDir();
    const config = { ...small, updates: 8 };
    const { trainer: uninterrupted } = await Trainer.open(reference, config);
    await uninterrupted.run();

    const dir = await tempDir();
    const moduleUrl = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'index.js')).href;
    const script = `
      const { Trainer } = await import(${JSON.stringify(moduleUrl)});
      const { trainer } = await Trainer.open(${JSON.stringify(dir)}, ${JSON.stringify(config)});
      await trainer.run({ onUpdate: (m) => process.stdout.write('update ' + m.update + '\\n') });
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('update 2')) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((resolve) => child.on('exit', resolve));
    const { trainer, resumed } = await Trainer.open(dir, config);
    expect(resumed).toBe(true);
    expect(trainer.completedUpdates).toBeGreaterThanOrEqual(3);
    expect(trainer.completedUpdates).toBeLessThan(8);
    await trainer.run();
    expect([...trainer.params.w1]).toEqual([...uninterrupted.params.w1]);
    const updates = (await readFile(trainer.metricsPath, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { update: number }).update);
    expect(updates).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('the multi-seed study (small size; the full size is tools/bench/cwrpo-seeds.mjs)', () => {
  it('trains CWRPO and plain GRPO per seed and reports mean ± sd next to the baselines and the ceiling', async () => {
    const study = await runStudy({
      seeds: [1, 2],
      dir: await tempDir(),
      config: { updates: 20, groups: 5, groupSize: 6 },
      evalTasks: 30,
      earlyUpdates: 10,
      lateUpdates: 5,
      ceilingSearch: { exhaustiveDepth: 2, beamWidth: 200 },
    });
    expect(study.seeds.map((s) => s.seed)).toEqual([1, 2]);
    for (const seed of study.seeds) {
      for (const method of [seed.cwrpo, seed.grpo]) {
        expect(method.expected).toBeLessThanOrEqual(seed.ceiling + 1e-9);
        expect(method.ofCeiling).toBeCloseTo(method.expected / seed.ceiling, 12);
        expect(method.earlyZeroAdvantageGroupShare).toBeGreaterThanOrEqual(0);
        expect(method.earlyFinishAmongFinished).toBeLessThanOrEqual(1);
      }
      expect(seed.bestTemplatePerFamily).toBeLessThanOrEqual(seed.ceiling + 1e-9);
      expect(seed.randomUntilFinish).toBeLessThan(seed.bestTemplatePerFamily);
      // (Whether training learns is the "learns" test above; 20 small updates are too few to say.)
    }
    const text = formatStudy(study);
    expect(text).toMatch(/CWRPO \(greedy\)\s+\d+\.\d% ± \d+\.\d/);
    expect(text).toContain('seeds where CWRPO reaches 90% of the ceiling');
    expect(text).toMatch(/early finish \(< 3 ops\) among finished/);
  });
});
