import type { Command } from 'commander';
import { formatReplay, parseTranscript, readInput, replayTranscript } from '../commands/canvas.js';
import { writeJson, positiveInt, nonNegativeInt, parseSet, type CliIo } from './shared.js';

/** `flowsteer canvas`. */
export function registerCanvas(program: Command, io: CliIo): void {
  const canvas = program.command('canvas').description('work with the Workflow Canvas');
  canvas
    .command('replay')
    .description('replay a transcript (JSONL, one raw policy output string per line) through a canvas with execution off')
    .argument('[file]', 'transcript file, or - for standard input', '-')
    .option('--task <text>', 'the task the policy was building for', '(no task given)')
    .option('--type <type>', 'problem type: math, code, qa, reasoning, mc', 'math')
    .option('--max-rounds <n>', 'round limit', (v) => positiveInt(v, '--max-rounds'), 20)
    .option('--min-operators <n>', 'operators required to finish', (v) => nonNegativeInt(v, '--min-operators'), 5)
    .option('--no-checker', 'do not require solver and checker operators to finish')
    .option('--no-structure', 'do not require a parallel/conditional/loop block to finish')
    .option('--quirk <name>', 'reproduce a reference behaviour (repeatable; "reference" = all)', parseSet, [] as string[])
    .option('--snapshot <file>', 'write the final canvas snapshot (JSON) to <file>')
    .option('--json', 'machine-readable output')
    .action(async (file: string, options: { task: string; type: string; maxRounds: number; minOperators: number; checker: boolean; structure: boolean; quirk: string[]; snapshot?: string; json?: boolean }) => {
      const outputs = parseTranscript(await readInput(file, io.stdin));
      const report = await replayTranscript(outputs, {
        task: options.task,
        type: options.type,
        maxRounds: options.maxRounds,
        minOperators: options.minOperators,
        checker: options.checker,
        structure: options.structure,
        quirks: options.quirk,
        ...(options.snapshot === undefined ? {} : { snapshot: options.snapshot }),
      });
      if (options.json === true) writeJson(io, report);
      else io.stdout(`${formatReplay(report)}\n`);
    });
}
