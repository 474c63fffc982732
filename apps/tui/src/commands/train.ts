import { join } from 'node:path';
import { writeFileAtomic } from '@flowsteer/core';
import {
  DEFAULT_TRAIN_CONFIG,
  REWARD_SCHEDULES,
  RandomPolicy,
  Trainer,
  evaluatePolicy,
  evaluateTemplates,
  exportPolicyOnnx,
  type PolicyEvaluation,
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
    readonly random: PolicyEvaluation;
    readonly templates: ReturnType<typeof evaluateTemplates>;
  };
}

export function trainConfigFrom(options: Omit<TrainCommandOptions, 'signal' | 'onProgress' | 'out' | 'evalTasks' | 'env'>): TrainConfig {
  if (options.reward !== 'cwrpo' && options.reward !== 'correctness') throw new CliUsageError(`--reward must be cwrpo or correctness, got "${options.reward}"`);
  if (REWARD_SCHEDULES[options.schedule] === undefined) throw new CliUsageError(`--schedule must be one of ${Object.keys(REWARD_SCHEDULES).join(', ')}`);
  return {
    ...DEFAULT_TRAIN_CONFIG,
    seed: options.seed,
    groups: options.groups,
    groupSize: options.groupSize,
    updates: options.updates,
    reward: options.reward,
    schedule: options.schedule,
    canvas: options.strictFinish ? { maxRounds: 20, minOperators: 5, requireChecker: true, requireStructure: true } : DEFAULT_TRAIN_CONFIG.canvas,
  };
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
  const onnx = join(options.out, 'policy.onnx');
  await exportPolicyOnnx(trainer.params, onnx);
  const tasks = trainer.simulator.taskSet(options.evalTasks, trainer.config.seed + 1_000_003);
  const evaluation = {
    trained: await evaluatePolicy('trained (greedy)', () => trainer.policy('greedy'), tasks, trainer),
    random: await evaluatePolicy('uniform random valid action', (i) => new RandomPolicy(trainer.config.seed + i), tasks, trainer),
    templates: evaluateTemplates(tasks, trainer.simulator),
  };
  await writeFileAtomic(join(options.out, 'evaluation.json'), `${JSON.stringify(evaluation, null, 2)}\n`);
  return { out: options.out, resumedFrom, updates: trainer.completedUpdates, final, onnx, evaluation };
}

export function formatProgress(metrics: UpdateMetrics, total: number): string {
  const done = metrics.update + 1;
  const width = 24;
  const filled = Math.round((done / total) * width);
  return `update ${String(done).padStart(String(total).length)}/${total} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} reward ${metrics.meanReward.toFixed(3)}  p(correct) ${metrics.meanSuccessProbability.toFixed(3)}  structure ${metrics.meanStructureReward.toFixed(2)}  early-finish ${metrics.earlyFinishRate.toFixed(2)}  finish-turn ${metrics.meanFinishRound.toFixed(1)}`;
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
  lines.push(row(report.evaluation.trained.name, report.evaluation.trained.meanSuccessProbability, report.evaluation.trained.byFamily));
  lines.push(row(report.evaluation.random.name, report.evaluation.random.meanSuccessProbability, report.evaluation.random.byFamily));
  for (const template of report.evaluation.templates.slice(0, 3)) lines.push(row(`template ${template.name}`, template.meanSuccessProbability, template.byFamily));
  lines.push('', 'trained policy, greedy, example workflows:');
  for (const [family, dsl] of Object.entries(report.evaluation.trained.exampleWorkflows)) lines.push(`  ${family.padEnd(5)} ${dsl}`);
  return lines.join('\n');
}
