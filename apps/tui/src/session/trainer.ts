import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { FlowSteerError, type PolicyTrainer, type TrainRequest } from '@flowsteer/core';
import { DEFAULT_TRAIN_CONFIG, Trainer, exportPolicyOnnx } from '@flowsteer/cwrpo';
import { formatProgress, formatTrainReport, trainCommand } from '../commands/train.js';

/** The built-in trainer's settings, from `train` flags or `trainer.options`. */
const CwrpoOptions = z
  .object({
    env: z.string().default('sim'),
    groups: z.number().int().positive().default(8),
    groupSize: z.number().int().positive().default(8),
    updates: z.number().int().positive().default(200),
    seed: z.number().int().nonnegative().default(7),
    reward: z.string().default('cwrpo'),
    schedule: z.string().default('reference'),
    strictFinish: z.boolean().default(false),
    evalTasks: z.number().int().positive().default(300),
    learningRate: z.number().positive().optional(),
    weightDecay: z.number().nonnegative().optional(),
    clip: z.number().positive().optional(),
    kl: z.number().nonnegative().optional(),
    entropy: z.number().nonnegative().optional(),
    epochs: z.number().int().positive().optional(),
    tokenPenalty: z.number().nonnegative().optional(),
  })
  .strict();

function optionsOf(request: { options: Readonly<Record<string, unknown>> }) {
  const parsed = CwrpoOptions.safeParse(request.options);
  if (!parsed.success) throw new FlowSteerError('VALIDATION_FAILED', `cwrpo trainer options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

async function hasCheckpoint(out: string): Promise<boolean> {
  try {
    await access(Trainer.checkpointPath(out));
    return true;
  } catch {
    return false;
  }
}

/** CWRPO on the workflow simulator, behind the trainer contract. */
export function cwrpoTrainer(): PolicyTrainer {
  const train = async (request: TrainRequest) => {
    const report = await trainCommand({
      ...optionsOf(request),
      out: request.out,
      signal: request.signal,
      ...(request.onNotice === undefined ? {} : { onNotice: request.onNotice }),
      ...(request.onProgress === undefined
        ? {}
        : { onProgress: (metrics, total) => request.onProgress?.({ update: metrics.update + 1, total, metrics: { meanReward: metrics.meanReward, meanSuccessProbability: metrics.meanSuccessProbability }, line: formatProgress(metrics, total) }) }),
    });
    return { out: report.out, resumedFrom: report.resumedFrom, updates: report.updates, report: { ...report }, text: formatTrainReport(report) };
  };
  return {
    id: 'cwrpo',
    train,
    async resume(request) {
      if (!(await hasCheckpoint(request.out))) throw new FlowSteerError('NOT_FOUND', `${request.out} holds no checkpoint to resume`);
      return train(request);
    },
    async evaluate(request) {
      try {
        return JSON.parse(await readFile(join(request.out, 'evaluation.json'), 'utf8')) as Record<string, unknown>;
      } catch (error) {
        throw new FlowSteerError('NOT_FOUND', `${request.out} has no evaluation.json; finish a training run first`, { cause: error });
      }
    },
    async export(request) {
      if (request.format !== 'onnx') throw new FlowSteerError('VALIDATION_FAILED', `the cwrpo trainer exports "onnx", not "${request.format}"`);
      if (!(await hasCheckpoint(request.out))) throw new FlowSteerError('NOT_FOUND', `${request.out} holds no checkpoint to export`);
      const { trainer } = await Trainer.open(request.out, DEFAULT_TRAIN_CONFIG);
      await exportPolicyOnnx(trainer.params, request.to);
      return [request.to];
    },
  };
}
