import type { Command } from 'commander';
import { evalCommand } from '../commands/evaluate.js';
import { type PolicyChoice } from '../session/runtime.js';
import { boot, writeJson, positiveInt, nonNegativeInt, parseSet, type GlobalOptions, type CliIo } from './shared.js';

/** `flowsteer eval`. */
export function registerEval(program: Command, io: CliIo): void {
  program
    .command('eval')
    .description('evaluate a policy on FlowSteer-Dataset JSONL files; resumable (rerun the same command), with a manifest and a markdown report')
    .requiredOption('--data <file>', 'dataset JSONL (repeatable)', parseSet, [] as string[])
    .requiredOption('--out <dir>', 'run directory: manifest.json, results.jsonl, report.md')
    .option('--policy <name>', 'a registered policy: auto, llm, onnx, template:NAME, a plugin\'s (default: policy.use from config)')
    .option('--limit <n>', 'evaluate a seeded per-dataset subset of n problems', (v) => positiveInt(v, '--limit'))
    .option('--concurrency <n>', 'problems in flight', (v) => positiveInt(v, '--concurrency'), 4)
    .option('--seed <n>', 'seed for the subset', (v) => nonNegativeInt(v, '--seed'), 42)
    .option('--json', 'machine-readable output')
    .action(async (options: { data: string[]; out: string; policy?: string; limit?: number; concurrency: number; seed: number; json?: boolean }) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      const controller = new AbortController();
      const onSigint = (): void => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      try {
        const result = await evalCommand(host, {
          data: options.data,
          out: options.out,
          ...(options.policy === undefined ? {} : { policy: options.policy as PolicyChoice }),
          concurrency: options.concurrency,
          seed: options.seed,
          canvas: host.config.config.canvas,
          signal: controller.signal,
          ...(options.limit === undefined ? {} : { limit: options.limit }),
          ...(options.json === true ? {} : { onProgress: (line: string) => io.stderr(`${line}\n`) }),
        });
        if (options.json === true) writeJson(io, { manifest: result.manifest, summary: result.summary, resumed: result.resumed, report: result.reportPath });
        else io.stdout(`${result.resumed > 0 ? `resumed: ${result.resumed} problems were already scored\n` : ''}${result.report}\n\nreport: ${result.reportPath}\n`);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
