import type { Command } from 'commander';
import { evalReportCommand } from '../commands/evaluate.js';
import { type CliIo } from './shared.js';

/** `flowsteer eval-report`. */
export function registerEvalReport(program: Command, io: CliIo): void {
  program
    .command('eval-report')
    .description('print the markdown report of an eval run, optionally compared with another run')
    .argument('<dir>', 'run directory')
    .option('--compare <dir>', 'a baseline run directory')
    .action(async (dir: string, options: { compare?: string }) => {
      io.stdout(`${await evalReportCommand(dir, options.compare)}\n`);
    });
}
