import { join } from 'node:path';
import { throwIfAborted, writeFileAtomic } from '@flowsteer/core';
import {
  DEFAULT_TRAIN_CONFIG,
  REWARD_SCHEDULES,
  Trainer,
  ceilingOn,
  evaluatePolicy,
  evaluateRandomUntilFinish,
  evaluateTemplates,
  exportPolicyOnnx,
  runStudy,
  searchCeiling,
  type PolicyEvaluation,
  type StudyResult,
  type TrainConfig,
  type UpdateMetrics,
} from '@flowsteer/cwrpo';
import { CliUsageError } from '../errors.js';

export interface TrainCommandOptions {
  readonly env: string;
  readonly out: string;
  readonly groups: number;
  readonly groupSize: number;
  readonly updates: number;
  readonly seed: number;
  readonly reward: string;
  readonly schedule: string;
  readonly strictFinish: boolean;
  readonly evalTasks: number;
  /** Optimiser and objective settings; absent ones keep the trainer's defaults. */
  readonly learningRate?: number;
  readonly weightDecay?: number;
  readonly clip?: number;
  readonly kl?: number;
  readonly entropy?: number;
  readonly epochs?: number;
  readonly tokenPenalty?: number;
  readonly signal: AbortSignal;
  readonly onProgress?: (metrics: UpdateMetrics, total: number) => void;
  readonly onNotice?: (message: string) => void;
}

export interface TrainReport {
  readonly out: string;
  readonly resumedFrom: number | null;
  readonly updates: number;
  readonly final: UpdateMetrics | null;
  readonly onnx: string;
  readonly evaluation: {
    readonly trained: PolicyEvaluation;
    /** Uniform random valid actions, each episode redrawn until the policy finishes by itself. */
    readonly randomUntilFinish: number;
    readonly templates: ReturnType<typeof evaluateTemplates>;
    /** Expected correctness of the best workflow per family (search over the action space). */
    readonly ceiling: { readonly mean: number; readonly byFamily: Readonly<Record<string, number>>; readonly workflows: Readonly<Record<string, string>> };
  };
}

function nonNegative(value: number | undefined, flag: string): number | undefined {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new CliUsageError(`${flag} expects a non-negative number, got "${String(value)}"`);
  return value;
}

export function trainConfigFrom(options: Omit<TrainCommandOptions, 'signal' | 'onProgress' | 'out' | 'evalTasks' | 'env'>): TrainConfig {
  if (options.reward !== 'cwrpo' && options.reward !== 'correctness') throw new CliUsageError(`--reward must be cwrpo or correctness, got "${options.reward}"`);
  if (REWARD_SCHEDULES[options.schedule] === undefined) throw new CliUsageError(`--schedule must be one of ${Object.keys(REWARD_SCHEDULES).join(', ')}`);
  if (options.groupSize < 2) throw new CliUsageError('--group-size must be at least 2 (a group of one has no relative advantage)');
  const objective = DEFAULT_TRAIN_CONFIG.objective;
  return {
    ...DEFAULT_TRAIN_CONFIG,
    seed: options.seed,
    groups: options.groups,
    groupSize: options.groupSize,
    updates: options.updates,
    reward: options.reward,
    schedule: options.schedule,
    learningRate: nonNegative(options.learningRate, '--lr') ?? DEFAULT_TRAIN_CONFIG.learningRate,
    weightDecay: nonNegative(options.weightDecay, '--weight-decay') ?? DEFAULT_TRAIN_CONFIG.weightDecay,
    epochs: options.epochs ?? DEFAULT_TRAIN_CONFIG.epochs,
    tokenPenalty: nonNegative(options.tokenPenalty, '--token-penalty') ?? DEFAULT_TRAIN_CONFIG.tokenPenalty,
    objective: {
      clipRange: nonNegative(options.clip, '--clip') ?? objective.clipRange,
      klCoef: nonNegative(options.kl, '--kl') ?? objective.klCoef,
      entropyCoef: nonNegative(options.entropy, '--entropy') ?? objective.entropyCoef,
    },
    canvas: options.strictFinish ? { maxRounds: 20, minOperators: 5, requireChecker: true, requireStructure: true } : DEFAULT_TRAIN_CONFIG.canvas,
  };
}

/** The multi-seed study (`--seeds`): CWRPO and plain-correctness GRPO on every seed, with the baselines and the ceiling. */
export async function trainStudyCommand(options: Omit<TrainCommandOptions, 'seed' | 'reward' | 'onProgress'> & { readonly seeds: readonly number[]; readonly onStage?: (message: string) => void }): Promise<StudyResult> {
  if (options.env !== 'sim') throw new CliUsageError(`--env ${options.env} is not available; the built-in environment is "sim" (LLM policies train through serve-env)`);
  if (options.seeds.length === 0) throw new CliUsageError('--seeds expects a comma-separated list of seeds, e.g. 1,2,3,4,5');
  const { seed: _seed, reward: _reward, ...config } = trainConfigFrom({ ...options, seed: 0, reward: 'cwrpo' });
  const study = await runStudy({ seeds: options.seeds, dir: options.out, config, evalTasks: options.evalTasks, signal: options.signal, ...(options.onStage === undefined ? {} : { onProgress: options.onStage }) });
  await writeFileAtomic(join(options.out, 'study.json'), `${JSON.stringify(study, null, 2)}\n`);
  return study;
}

/** Trains the local policy on the simulator, resuming from `out` when a checkpoint is there. */
export async function trainCommand(options: TrainCommandOptions): Promise<TrainReport> {
  if (options.env !== 'sim') throw new CliUsageError(`--env ${options.env} is not available; the built-in environment is "sim" (LLM policies train through serve-env)`);
  const { trainer, resumed, ignored } = await Trainer.open(options.out, trainConfigFrom(options));
  if (ignored.length > 0) options.onNotice?.(`resuming ${options.out}: its checkpoint keeps ${ignored.join(', ')} (only --updates can change on resume)`);
  const resumedFrom = resumed ? trainer.completedUpdates : null;
  let final: UpdateMetrics | null = null;
  await trainer.run({
    signal: options.signal,
    onUpdate: (metrics) => {
      final = metrics;
      options.onProgress?.(metrics, trainer.config.updates);
    },
  });
  // An interrupted run keeps its last checkpoint; it is not a finished run to export and evaluate.
  throwIfAborted(options.signal, `training at update ${trainer.completedUpdates}`);
  const onnx = join(options.out, 'policy.onnx');
  await exportPolicyOnnx(trainer.params, onnx);
  const tasks = trainer.simulator.taskSet(options.evalTasks, trainer.config.seed + 1_000_003);
  const ceiling = searchCeiling();
  const top = ceilingOn(ceiling, tasks);
  const evaluation = {
    trained: await evaluatePolicy('trained (greedy)', () => trainer.policy('greedy'), tasks, trainer),
    randomUntilFinish: await evaluateRandomUntilFinish(tasks, trainer, trainer.config.seed),
    templates: evaluateTemplates(tasks, trainer.simulator),
    ceiling: { mean: top.mean, byFamily: top.byFamily, workflows: Object.fromEntries(Object.values(ceiling.byFamily).map((f) => [f.family, f.dsl])) },
  };
  await writeFileAtomic(join(options.out, 'evaluation.json'), `${JSON.stringify(evaluation, null, 2)}\n`);
  return { out: options.out, resumedFrom, updates: trainer.completedUpdates, final, onnx, evaluation };
}

export function formatProgress(metrics: UpdateMetrics, total: number): string {
  const done = metrics.update + 1;
  const width = 24;
  const filled = Math.round((done / total) * width);
  return `update ${String(done).padStart(String(total).length)}/${total} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} reward ${metrics.meanReward.toFixed(3)}  p(correct) ${metrics.meanSuccessProbability.toFixed(3)}  structure ${metrics.meanStructureReward.toFixed(2)}  finished ${metrics.finishedRate.toFixed(2)}  zero-adv ${metrics.zeroAdvantageGroupShare.toFixed(2)}`;
}

export function formatTrainReport(report: TrainReport): string {
  const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
  const lines = [
    `${report.resumedFrom === null ? 'trained' : `resumed at update ${report.resumedFrom}, trained`} to update ${report.updates}; checkpoint, metrics.jsonl, policy.onnx and evaluation.json in ${report.out}`,
    '',
    'expected correctness on held-out simulated tasks (math / qa / code):',
  ];
  const row = (name: string, mean: number, by: Readonly<Record<string, number>>): string =>
    `  ${name.padEnd(34)} ${pct(mean).padStart(6)}   (${['math', 'qa', 'code'].map((f) => pct(by[f] ?? 0)).join(' / ')})`;
  const { ceiling, trained, templates } = report.evaluation;
  lines.push(row('ceiling (best workflow per family)', ceiling.mean, ceiling.byFamily));
  lines.push(row(`${trained.name}, ${pct(trained.meanSuccessProbability / Math.max(ceiling.mean, 1e-9))} of ceiling`, trained.meanSuccessProbability, trained.byFamily));
  const bestPerFamily = Object.fromEntries(['math', 'qa', 'code'].map((f) => [f, Math.max(...templates.map((t) => t.byFamily[f] ?? 0))]));
  lines.push(row('best template per family', (['math', 'qa', 'code'] as const).reduce((a, f) => a + (bestPerFamily[f] ?? 0), 0) / 3, bestPerFamily));
  lines.push(`  ${'random until it finishes'.padEnd(34)} ${pct(report.evaluation.randomUntilFinish).padStart(6)}`);
  lines.push('', 'trained policy, greedy, example workflows:');
  for (const [family, dsl] of Object.entries(report.evaluation.trained.exampleWorkflows)) lines.push(`  ${family.padEnd(5)} ${dsl}`);
  return lines.join('\n');
}
