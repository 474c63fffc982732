import type { Command } from 'commander';
import { Tokens, resolveToken } from '@flowsteer/core';
import { boot, writeJson, positiveInt, nonNegativeInt, type CliIo, type GlobalOptions } from './shared.js';

/** `flowsteer train`. */
export function registerTrain(program: Command, io: CliIo): void {
  program
    .command('train')
    .description('train the Flow-Director policy with the trainer trainer.use names (built in: cwrpo on the simulator; checkpoints atomically; rerun the same command to resume)')
    .option('--env <name>', 'training environment (built in: sim, the workflow simulator)', 'sim')
    .requiredOption('--out <dir>', 'run directory: checkpoint.json, metrics.jsonl, policy.onnx, evaluation.json')
    .option('--groups <n>', 'tasks per update (GRPO groups)', (v) => positiveInt(v, '--groups'), 8)
    .option('--group-size <n>', 'rollouts per task', (v) => positiveInt(v, '--group-size'), 8)
    .option('--updates <n>', 'policy updates', (v) => positiveInt(v, '--updates'), 120)
    .option('--seed <n>', 'random seed', (v) => nonNegativeInt(v, '--seed'), 7)
    .option('--reward <kind>', 'cwrpo (structure + conditionally released correctness) or correctness (plain baseline)', 'cwrpo')
    .option('--schedule <name>', 'reward schedule: reference, milestones, reference-loop-bug', 'reference')
    .option('--strict-finish', 'use the reference finish rules (5 operators, checker, structure)')
    .option('--eval-tasks <n>', 'held-out tasks for the final evaluation', (v) => positiveInt(v, '--eval-tasks'), 300)
    .option('--json', 'machine-readable output')
    .action(async (options: { env: string; out: string; groups: number; groupSize: number; updates: number; seed: number; reward: string; schedule: string; strictFinish?: boolean; evalTasks: number; json?: boolean }) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      const trainer = await resolveToken(host.container, Tokens.Trainer);
      const controller = new AbortController();
      const onSigint = (): void => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      try {
        const { out, json, ...flags } = options;
        const outcome = await trainer.train({
          out,
          // Flags are the built-in trainer's settings; a plugin trainer reads trainer.options too.
          options: { ...host.config.config.trainer.options, ...(host.config.config.trainer.use === 'cwrpo' ? { ...flags, strictFinish: flags.strictFinish === true } : {}) },
          signal: controller.signal,
          onNotice: (message) => io.stderr(`note: ${message}\n`),
          ...(json === true ? {} : { onProgress: (p) => io.stderr(`${p.line ?? `update ${p.update}/${p.total}`}\n`) }),
        });
        if (json === true) writeJson(io, outcome.report);
        else io.stdout(`${outcome.text}\n`);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
