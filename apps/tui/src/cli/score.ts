import type { Command } from 'commander';
import { readInput } from '../commands/canvas.js';
import { checkBenchmark, checkMetric, checkMetricMode, describeMode, parseScoreBatch, readTextFile, scoreCommand } from '../commands/evaluate.js';
import { CliUsageError } from '../errors.js';
import { boot, writeJson, type GlobalOptions, type CliIo } from './shared.js';

/** `flowsteer score`. */
export function registerScore(program: Command, io: CliIo): void {
  program
    .command('score')
    .description('score predictions with a metric alone: one pair, or a JSONL batch ({metric, prediction, answer, benchmark?, test?, entry_point?})')
    .option('--metric <name>', 'math, f1, em, mc or pass@1 (not needed when scorer.use names a scorer)')
    .option('--benchmark <name>', 'score as this benchmark does (gsm8k, math, aime2025, mathqa, squad_v2, hotpotqa, triviaqa, nq, mbpp, humaneval, apps, ds1000)')
    .option('--metric-mode <mode>', 'official (the benchmark\'s published evaluation), strict (official-compatible, false positives fixed) or reference (reproduces eval_only.py; not for rewards)', 'strict')
    .option('--sandbox <name>', 'sandbox that runs pass@1 code (default: sandbox.use, the isolated system-python)')
    .option('--prediction <text>', 'the prediction')
    .option('--answer <text>', 'the reference answer (for pass@1 the tests go in --test)')
    .option('--test <file>', 'pass@1: unit tests (asserts or check(candidate))')
    .option('--entry-point <name>', 'pass@1: the function under test')
    .option('--batch <file>', 'JSONL file of records to score (- for standard input)')
    .option('--json', 'machine-readable output')
    .action(async (options: { metric?: string; benchmark?: string; metricMode: string; sandbox?: string; prediction?: string; answer?: string; test?: string; entryPoint?: string; batch?: string; json?: boolean }) => {
      const mode = checkMetricMode(options.metricMode);
      checkBenchmark(options.benchmark);
      const host = await boot(io, program.opts<GlobalOptions>());
      const configuredScorer = host.config.config.scorer.use !== 'auto';
      let lines;
      if (options.batch !== undefined) {
        lines = parseScoreBatch(await readInput(options.batch, io.stdin), !configuredScorer);
      } else {
        if ((options.metric === undefined && !configuredScorer) || options.prediction === undefined || (options.answer === undefined && options.test === undefined)) {
          throw new CliUsageError('give --metric, --prediction and --answer (or --test for pass@1), or --batch FILE');
        }
        if (options.metric !== undefined) checkMetric(options.metric);
        lines = [{ metric: options.metric ?? host.config.config.scorer.use, ...(options.benchmark === undefined ? {} : { benchmark: options.benchmark }), prediction: options.prediction, answer: options.answer ?? '', ...(options.test === undefined ? {} : { test: await readTextFile(options.test) }), ...(options.entryPoint === undefined ? {} : { entry_point: options.entryPoint }) }];
      }
      const results = await scoreCommand(host, lines, { mode, ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }) });
      if (mode === 'reference' && options.json !== true) io.stderr(`${describeMode(mode)}\n`);
      if (options.json === true || options.batch !== undefined) {
        if (options.batch !== undefined && options.json !== true) {
          for (const r of results) io.stdout(`${JSON.stringify(r)}\n`);
          const mean = results.reduce((a, r) => a + r.score, 0) / Math.max(1, results.length);
          io.stdout(`${results.length} scored, mean ${mean.toFixed(4)}, ${results.filter((r) => r.correct).length} correct\n`);
        } else writeJson(io, options.batch === undefined ? results[0] : results);
      } else {
        const r = results[0]!;
        const qa = r.em === undefined || r.f1 === undefined ? '' : ` EM ${r.em.toFixed(4)} F1 ${r.f1.toFixed(4)};`;
        io.stdout(`${r.metric} [${r.benchmark}, ${r.mode}]: score ${r.score.toFixed(4)} (${r.correct ? 'correct' : 'incorrect'});${qa} extracted ${JSON.stringify(r.extracted)}; ${r.reason}\n`);
      }
    });
}
