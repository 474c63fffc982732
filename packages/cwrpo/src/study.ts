import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Policy } from '@flowsteer/core';
import { ceilingOn, searchCeiling, type CeilingSearchOptions, type SimulatorCeiling } from './ceiling.js';
import { RandomPolicy } from './local-policy.js';
import { rollout } from './rollout.js';
import { SIM_FAMILIES, type SimTask } from './simulator.js';
import { DEFAULT_TRAIN_CONFIG, Trainer, evaluatePolicy, evaluateTemplates, expectedCorrectness, type TrainConfig, type UpdateMetrics } from './trainer.js';

/**
 * The multi-seed study: for every seed, CWRPO and plain-correctness GRPO are trained with the same
 * settings and evaluated greedily on the same held-out tasks, next to the best fixed template per
 * family, a uniform-random policy run until it finishes, and the simulator's ceiling.
 */

export interface StudyOptions {
  readonly seeds: readonly number[];
  /** Run directory; each seed and method trains (resumably) in `<dir>/seed-<s>/<method>`. */
  readonly dir: string;
  readonly config?: Partial<Omit<TrainConfig, 'seed' | 'reward'>>;
  readonly evalTasks?: number;
  readonly ceilingSearch?: CeilingSearchOptions;
  /** Updates at the start and end that the shortcut ablation pools. */
  readonly earlyUpdates?: number;
  readonly lateUpdates?: number;
  readonly onProgress?: (message: string) => void;
  readonly signal?: AbortSignal;
}

export interface MethodResult {
  /** Greedy policy's expected correctness on the held-out tasks. */
  readonly expected: number;
  readonly byFamily: Readonly<Record<string, number>>;
  readonly ofCeiling: number;
  /** Mean share of groups with all-equal rewards over the first updates (a plateau), and over all updates (late on, converged groups that all succeed count too). */
  readonly earlyZeroAdvantageGroupShare: number;
  readonly zeroAdvantageGroupShare: number;
  /** Training rollouts of the first updates: share the policy finished, and early finishes (< 3 operators) among those. */
  readonly earlyFinishedRate: number;
  readonly earlyFinishAmongFinished: number;
  /** Training rollouts of the last updates: finished, with full structure, and correct. */
  readonly lateFinishedStructuredCorrect: number;
  readonly exampleWorkflows: Readonly<Record<string, string>>;
}

export interface SeedResult {
  readonly seed: number;
  readonly cwrpo: MethodResult;
  readonly grpo: MethodResult;
  readonly bestTemplatePerFamily: number;
  readonly bestTemplates: Readonly<Record<string, string>>;
  readonly randomUntilFinish: number;
  readonly ceiling: number;
}

export interface StudyResult {
  readonly config: TrainConfig;
  readonly evalTasks: number;
  readonly earlyUpdates: number;
  readonly lateUpdates: number;
  readonly ceiling: SimulatorCeiling;
  readonly seeds: readonly SeedResult[];
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export function sampleSd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

async function readMetrics(path: string): Promise<UpdateMetrics[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as UpdateMetrics);
}

/** Uniform random valid actions, each episode redrawn until the policy itself finishes (at most `tries`); the expected correctness of those workflows. */
export async function evaluateRandomUntilFinish(tasks: readonly SimTask[], trainer: Pick<Trainer, 'rolloutOptions' | 'simulator'>, seed: number, tries = 50): Promise<number> {
  const options = trainer.rolloutOptions('correctness');
  const scores: number[] = [];
  for (const [index, task] of tasks.entries()) {
    let last = await rollout(new RandomPolicy(seed * 1_000_003 + index * 101), task, options, `random-${index}-0`);
    for (let attempt = 1; attempt < tries && !last.finished; attempt++) last = await rollout(new RandomPolicy(seed * 1_000_003 + index * 101 + attempt), task, options, `random-${index}-${attempt}`);
    scores.push(expectedCorrectness(trainer.simulator, last));
  }
  return mean(scores);
}

async function trainAndEvaluate(dir: string, config: TrainConfig, tasks: readonly SimTask[], ceiling: number, early: number, late: number, signal?: AbortSignal): Promise<MethodResult> {
  const { trainer } = await Trainer.open(dir, config);
  await trainer.run(signal === undefined ? {} : { signal });
  const evaluation = await evaluatePolicy(config.reward, () => trainer.policy('greedy'), tasks, trainer);
  const metrics = await readMetrics(trainer.metricsPath);
  const first = metrics.slice(0, early);
  const last = metrics.slice(-late);
  const finishedEarly = first.reduce((a, m) => a + m.finishedRate, 0);
  return {
    expected: evaluation.meanSuccessProbability,
    byFamily: evaluation.byFamily,
    ofCeiling: evaluation.meanSuccessProbability / ceiling,
    earlyZeroAdvantageGroupShare: mean(first.map((m) => m.zeroAdvantageGroupShare)),
    zeroAdvantageGroupShare: mean(metrics.map((m) => m.zeroAdvantageGroupShare)),
    earlyFinishedRate: mean(first.map((m) => m.finishedRate)),
    earlyFinishAmongFinished: finishedEarly === 0 ? 0 : first.reduce((a, m) => a + m.earlyFinishRate, 0) / finishedEarly,
    lateFinishedStructuredCorrect: mean(last.map((m) => m.finishedStructuredCorrectRate)),
    exampleWorkflows: evaluation.exampleWorkflows,
  };
}

export async function runStudy(options: StudyOptions): Promise<StudyResult> {
  if (options.seeds.length === 0) throw new Error('the study needs at least one seed');
  const evalTasks = options.evalTasks ?? 300;
  const early = options.earlyUpdates ?? 40;
  const late = options.lateUpdates ?? 20;
  const base: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, ...options.config, seed: 0, reward: 'cwrpo' };
  options.onProgress?.('searching the simulator ceiling');
  const ceiling = searchCeiling(options.ceilingSearch);
  const seeds: SeedResult[] = [];
  for (const seed of options.seeds) {
    const probe = await Trainer.open(join(options.dir, `seed-${seed}`, 'cwrpo'), { ...base, seed });
    const tasks = probe.trainer.simulator.taskSet(evalTasks, seed + 1_000_003);
    const top = ceilingOn(ceiling, tasks).mean;
    options.onProgress?.(`seed ${seed}: training CWRPO`);
    const cwrpo = await trainAndEvaluate(join(options.dir, `seed-${seed}`, 'cwrpo'), { ...base, seed, reward: 'cwrpo' }, tasks, top, early, late, options.signal);
    options.onProgress?.(`seed ${seed}: training plain-correctness GRPO`);
    const grpo = await trainAndEvaluate(join(options.dir, `seed-${seed}`, 'grpo'), { ...base, seed, reward: 'correctness' }, tasks, top, early, late, options.signal);
    const templates = evaluateTemplates(tasks, probe.trainer.simulator);
    const bestTemplates: Record<string, string> = {};
    const perFamily = SIM_FAMILIES.map((family) => {
      const best = [...templates].sort((a, b) => (b.byFamily[family] as number) - (a.byFamily[family] as number))[0];
      bestTemplates[family] = best?.name ?? '';
      const of = tasks.filter((t) => t.family === family).length;
      return ((best?.byFamily[family] as number | undefined) ?? 0) * of;
    });
    const randomUntilFinish = await evaluateRandomUntilFinish(tasks, probe.trainer, seed);
    seeds.push({ seed, cwrpo, grpo, bestTemplatePerFamily: perFamily.reduce((a, b) => a + b, 0) / tasks.length, bestTemplates, randomUntilFinish, ceiling: top });
  }
  return { config: base, evalTasks, earlyUpdates: early, lateUpdates: late, ceiling, seeds };
}

export function formatStudy(study: StudyResult): string {
  const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
  const spread = (values: readonly number[]): string => `${pct(mean(values))} ± ${(sampleSd(values) * 100).toFixed(1)}`;
  const per = (values: readonly number[]): string => values.map(pct).join(' ');
  const rows: Array<[string, (s: SeedResult) => number]> = [
    ['ceiling (best workflow per family)', (s) => s.ceiling],
    ['CWRPO (greedy)', (s) => s.cwrpo.expected],
    ['plain-correctness GRPO (greedy)', (s) => s.grpo.expected],
    ['best template per family', (s) => s.bestTemplatePerFamily],
    ['random until it finishes', (s) => s.randomUntilFinish],
    ['CWRPO / ceiling', (s) => s.cwrpo.ofCeiling],
    ['GRPO / ceiling', (s) => s.grpo.ofCeiling],
  ];
  const { seeds } = study;
  const c = study.config;
  const lines = [
    `seeds ${seeds.map((s) => s.seed).join(', ')}; ${c.updates} updates of ${c.groups} tasks x ${c.groupSize} rollouts; lr ${c.learningRate}, AdamW decay ${c.weightDecay}, clip ${c.objective.clipRange}, KL ${c.objective.klCoef}, entropy ${c.objective.entropyCoef}; ${study.evalTasks} held-out tasks per seed`,
    '',
    'simulator ceiling (search over the action space):',
    ...SIM_FAMILIES.map((f) => `  ${f.padEnd(5)} ${pct(1 / (1 + Math.exp(-study.ceiling.byFamily[f].logit)))} at difficulty 0: ${study.ceiling.byFamily[f].dsl}`),
    '',
    `expected correctness on held-out tasks${' '.repeat(6)}mean ± sd   per seed`,
    ...rows.map(([name, get]) => `  ${name.padEnd(38)} ${spread(seeds.map(get)).padEnd(13)} ${per(seeds.map(get))}`),
    `  seeds where CWRPO reaches 90% of the ceiling: ${seeds.filter((s) => s.cwrpo.ofCeiling >= 0.9).length}/${seeds.length}`,
    '',
    `training rollouts                         CWRPO          GRPO`,
  ];
  const ablation: Array<[string, (m: MethodResult) => number]> = [
    [`zero-advantage groups, first ${study.earlyUpdates} updates`, (m) => m.earlyZeroAdvantageGroupShare],
    ['zero-advantage groups, all updates', (m) => m.zeroAdvantageGroupShare],
    [`finished by the policy, first ${study.earlyUpdates} updates`, (m) => m.earlyFinishedRate],
    [`early finish (< 3 ops) among finished, first ${study.earlyUpdates}`, (m) => m.earlyFinishAmongFinished],
    [`finished + full structure + correct, last ${study.lateUpdates}`, (m) => m.lateFinishedStructuredCorrect],
  ];
  for (const [name, get] of ablation) lines.push(`  ${name.padEnd(52)} ${spread(seeds.map((s) => get(s.cwrpo))).padEnd(14)} ${spread(seeds.map((s) => get(s.grpo)))}`);
  lines.push('', `CWRPO example workflows (greedy, seed ${seeds[0]?.seed ?? ''}):`);
  for (const [family, dsl] of Object.entries(seeds[0]?.cwrpo.exampleWorkflows ?? {})) lines.push(`  ${family.padEnd(5)} ${dsl}`);
  return lines.join('\n');
}
