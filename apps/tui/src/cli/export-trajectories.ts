import type { Command } from 'commander';
import { exportSimTrajectories } from '../commands/train.js';
import { boot, positiveInt, nonNegativeInt, type CliIo, type GlobalOptions } from './shared.js';

/** `flowsteer export-trajectories`. */
export function registerExportTrajectories(program: Command, io: CliIo): void {
  program
    .command('export-trajectories')
    .description('roll out the (trained) local policy on simulated tasks and write trajectories as JSONL for external RL engines')
    .requiredOption('--out <file>', 'JSONL output')
    .option('--from <dir>', 'a `flowsteer train` run directory whose policy to use')
    .option('--groups <n>', 'tasks', (v) => positiveInt(v, '--groups'), 4)
    .option('--group-size <n>', 'rollouts per task', (v) => positiveInt(v, '--group-size'), 4)
    .option('--seed <n>', 'random seed', (v) => nonNegativeInt(v, '--seed'), 7)
    .action(async (options: { out: string; from?: string; groups: number; groupSize: number; seed: number }) => {
      await boot(io, program.opts<GlobalOptions>());
      const count = await exportSimTrajectories({ out: options.out, groups: options.groups, groupSize: options.groupSize, seed: options.seed, signal: new AbortController().signal, ...(options.from === undefined ? {} : { checkpointDir: options.from }) });
      io.stdout(`wrote ${count} trajectories to ${options.out}\n`);
    });
}
