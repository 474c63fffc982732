import type { Command } from 'commander';
import { hostTrainer } from '../session/host-trainer.js';
import { formatStudy } from '@flowsteer/cwrpo';
import { CliUsageError } from '../errors.js';
import { trainStudyCommand } from '../commands/train.js';
import { boot, ExitCode, writeJson, positiveInt, nonNegativeInt, type CliIo, type GlobalOptions } from './shared.js';

/** Time left, from the pace of the updates this process ran (a resumed run starts counting anew). */
class Eta {
  #first: { update: number; at: number } | undefined;
  last: number | undefined;

  after(update: number, total: number): string {
    const now = Date.now();
    this.last = update;
    if (this.#first === undefined) {
      this.#first = { update, at: now };
      return '';
    }
    const done = update - this.#first.update;
    if (done <= 0) return '';
    const seconds = Math.round((((now - this.#first.at) / done) * (total - update)) / 1000);
    return `  eta ${seconds >= 60 ? `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`}`;
  }
}

function number(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new CliUsageError(`${flag} expects a non-negative number, got "${value}"`);
  return n;
}

function seedList(value: string): number[] {
  const seeds = value.split(',').map((part) => part.trim());
  if (seeds.some((s) => !/^\d+$/.test(s))) throw new CliUsageError(`--seeds expects a comma-separated list of non-negative integers, got "${value}"`);
  return [...new Set(seeds.map(Number))];
}

interface TrainCliOptions {
  env: string;
  out: string;
  groups: number;
  groupSize: number;
  updates: number;
  seed: number;
  seeds?: number[];
  reward: string;
  schedule: string;
  strictFinish?: boolean;
  evalTasks: number;
  lr?: number;
  weightDecay?: number;
  clip?: number;
  kl?: number;
  entropy?: number;
  epochs?: number;
  tokenPenalty?: number;
  json?: boolean;
}

/** `flowsteer train`. */
export function registerTrain(program: Command, io: CliIo): void {
  program
    .command('train')
    .description('train the Flow-Director policy with the trainer trainer.use names (built in: cwrpo on the simulator; checkpoints atomically; rerun the same command to resume)')
    .option('--env <name>', 'training environment (built in: sim, the workflow simulator)', 'sim')
    .requiredOption('--out <dir>', 'run directory: checkpoint.json, metrics.jsonl, policy.onnx, evaluation.json (with --seeds: one run per seed and method, and study.json)')
    .option('--groups <n>', 'tasks per update (GRPO groups)', (v) => positiveInt(v, '--groups'), 8)
    .option('--group-size <n>', 'rollouts per task', (v) => positiveInt(v, '--group-size'), 8)
    .option('--updates <n>', 'policy updates', (v) => positiveInt(v, '--updates'), 200)
    .option('--seed <n>', 'random seed', (v) => nonNegativeInt(v, '--seed'), 7)
    .option('--seeds <list>', 'multi-seed study: train CWRPO and plain-correctness GRPO on every seed (e.g. 1,2,3,4,5) and print mean ± sd next to the baselines and the ceiling', seedList)
    .option('--reward <kind>', 'cwrpo (structure + conditionally released correctness) or correctness (plain baseline)', 'cwrpo')
    .option('--schedule <name>', 'reward schedule: reference, milestones, reference-loop-bug', 'reference')
    .option('--strict-finish', 'use the reference finish rules (5 operators, checker, structure)')
    .option('--lr <x>', 'AdamW learning rate (default 0.01)', (v) => number(v, '--lr'))
    .option('--weight-decay <x>', 'AdamW decoupled weight decay (default 0.01)', (v) => number(v, '--weight-decay'))
    .option('--clip <x>', 'PPO clip range ε (default 0.2)', (v) => number(v, '--clip'))
    .option('--kl <x>', 'KL coefficient β (default 0.005)', (v) => number(v, '--kl'))
    .option('--entropy <x>', 'entropy bonus coefficient (default 0.005)', (v) => number(v, '--entropy'))
    .option('--epochs <n>', 'optimisation passes per batch (default 4)', (v) => positiveInt(v, '--epochs'))
    .option('--token-penalty <x>', 'reward subtracted per 1,000 simulated tokens (default 0: off)', (v) => number(v, '--token-penalty'))
    .option('--eval-tasks <n>', 'held-out tasks for the final evaluation', (v) => positiveInt(v, '--eval-tasks'), 300)
    .option('--json', 'machine-readable output')
    .action(async (options: TrainCliOptions) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      const controller = new AbortController();
      const onSigint = (): void => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      const eta = new Eta();
      const { lr, seeds, ...rest } = options;
      const common = {
        ...rest,
        ...(lr === undefined ? {} : { learningRate: lr }),
        strictFinish: options.strictFinish === true,
        signal: controller.signal,
        onNotice: (message: string) => io.stderr(`note: ${message}\n`),
      };
      let closeTrainer = async (): Promise<void> => undefined;
      try {
        if (seeds !== undefined) {
          if (host.config.config.trainer.use !== 'cwrpo') throw new CliUsageError(`--seeds runs the built-in cwrpo trainer's study; trainer.use is "${host.config.config.trainer.use}"`);
          const study = await trainStudyCommand({ ...common, seeds, onStage: (message) => io.stderr(`${message}\n`) });
          if (options.json === true) writeJson(io, study);
          else io.stdout(`${formatStudy(study)}\n`);
          return;
        }
        const { trainer, close } = await hostTrainer(host);
        closeTrainer = close;
        const { out, json, signal, onNotice, ...flags } = common;
        const outcome = await trainer.train({
          out,
          // Flags are the built-in trainer's settings; a plugin trainer reads trainer.options too.
          options: { ...host.config.config.trainer.options, ...(host.config.config.trainer.use === 'cwrpo' ? flags : {}) },
          signal,
          onNotice,
          ...(json === true ? {} : { onProgress: (p) => io.stderr(`${p.line ?? `update ${p.update}/${p.total}`}${eta.after(p.update, p.total)}\n`) }),
        });
        if (json === true) writeJson(io, outcome.report);
        else io.stdout(`${outcome.text}\n`);
      } catch (error) {
        if (!controller.signal.aborted) throw error;
        // The checkpoint of the last finished update is on disk: say how to pick up from it.
        io.stderr(`interrupted${eta.last === undefined ? '' : ` after update ${eta.last}`}; the checkpoint in ${options.out} is kept — rerun the same command to resume\n`);
        process.exitCode = ExitCode.Interrupted;
      } finally {
        process.off('SIGINT', onSigint);
        await closeTrainer();
      }
    });
}
