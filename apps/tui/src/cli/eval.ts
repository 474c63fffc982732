import type { Command } from 'commander';
import { checkMetricMode, evalCommand } from '../commands/evaluate.js';
import { type PolicyChoice } from '../session/runtime.js';
import { boot, writeJson, positiveInt, nonNegativeInt, parseSet, type GlobalOptions, type CliIo } from './shared.js';

/** `flowsteer eval`. */
export function registerEval(program: Command, io: CliIo): void {
  program
    .command('eval')
    .description('evaluate a policy on benchmark files (each benchmark\'s native format or FlowSteer-Dataset JSONL); resumable (rerun the same command), with a manifest and a markdown report')
    .requiredOption('--data <file>', 'dataset file (repeatable)', parseSet, [] as string[])
    .requiredOption('--out <dir>', 'run directory: manifest.json, results.jsonl, report.md')
    .option('--policy <name>', 'a registered policy: auto, llm, onnx, template:NAME, a plugin\'s (default: policy.use from config)')
    .option('--limit <n>', 'evaluate a seeded subset of n problems from each dataset', (v) => positiveInt(v, '--limit'))
    .option('--samples <n>', 'episodes per problem; the report gives pass@k for k up to n', (v) => positiveInt(v, '--samples'), 1)
    .option('--metric-mode <mode>', 'official, strict or reference (reproduces eval_only.py; never for rewards)', 'strict')
    .option('--sandbox <name>', 'sandbox that runs pass@1 code (default: sandbox.use, the isolated system-python)')
    .option('--record <file>', 'record every executor call to a cassette')
    .option('--cassette <file>', 'answer executor calls from a recorded cassette (offline; sets executor.backend=replay)')
    .option('--concurrency <n>', 'problems in flight', (v) => positiveInt(v, '--concurrency'), 4)
    .option('--seed <n>', 'seed for the subset', (v) => nonNegativeInt(v, '--seed'), 42)
    .option('--json', 'machine-readable output')
    .action(async (options: { data: string[]; out: string; policy?: string; limit?: number; samples: number; metricMode: string; sandbox?: string; record?: string; cassette?: string; concurrency: number; seed: number; json?: boolean }) => {
      const metricMode = checkMetricMode(options.metricMode);
      const global = program.opts<GlobalOptions>();
      const replay = options.cassette === undefined ? [] : ['executor.backend=replay', `executor.options=${JSON.stringify({ cassette: options.cassette })}`];
      const host = await boot(io, { ...global, set: [...global.set, ...replay] });
      const controller = new AbortController();
      const onSigint = (): void => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      try {
        const result = await evalCommand(host, {
          data: options.data,
          out: options.out,
          ...(options.policy === undefined ? {} : { policy: options.policy as PolicyChoice }),
          concurrency: options.concurrency,
          samples: options.samples,
          metricMode,
          ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
          ...(options.record === undefined ? {} : { record: options.record }),
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
