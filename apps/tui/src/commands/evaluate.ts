import { readFile } from 'node:fs/promises';
import { Tokens, resolveToken, type Host, type Sandbox, type Scorer } from '@flowsteer/core';
import { DATASETS, describeMode, isMetricMode, markdownReport, METRIC_MODES, readRun, runEvaluation, scoreAnswer, summarize, writeReport, type EvalProblem, type MetricMode, type MetricName, type ScoringOptions } from '@flowsteer/eval';
import { WorkflowExecutor } from '@flowsteer/canvas';
import { RecordingBackend } from '@flowsteer/backends-replay';
import { CliUsageError } from '../errors.js';
import { resolveRuntime, type PolicyChoice } from '../session/runtime.js';
import { ds1000Option } from '../session/ds1000.js';
import { sandboxOpener } from '../session/sandbox.js';

const METRICS: readonly MetricName[] = ['math', 'f1', 'em', 'mc', 'pass@1'];

export function checkMetric(metric: string): MetricName {
  if (!(METRICS as readonly string[]).includes(metric)) throw new CliUsageError(`--metric must be one of ${METRICS.join(', ')}, got "${metric}"`);
  return metric as MetricName;
}

export function checkMetricMode(mode: string): MetricMode {
  if (!isMetricMode(mode)) throw new CliUsageError(`--metric-mode must be one of ${METRIC_MODES.join(', ')}, got "${mode}"`);
  return mode;
}

/** The benchmark a `score --benchmark` names, or the metric's default scorer. */
export function checkBenchmark(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const key = name.toLowerCase();
  if (!(key in DATASETS)) throw new CliUsageError(`--benchmark must be one of ${Object.keys(DATASETS).join(', ')}, got "${name}"`);
  return key;
}

/** A new sandbox `name` names (default: `sandbox.use`), with the sandbox section's limits either way. */
function sandboxFor(host: Host<Record<never, never>>, name: string | undefined): Promise<Sandbox> {
  const use = host.config.config.sandbox.use;
  return sandboxOpener(host, name, (wanted) => `pass@1 needs a sandbox: "${wanted}"${wanted === use ? ' (sandbox.use)' : ''}`).open();
}

interface ScoreLine {
  readonly metric: string;
  readonly prediction: string;
  readonly answer: string;
  readonly test?: string;
  readonly entry_point?: string;
  readonly source?: string;
  readonly benchmark?: string;
}

export interface ScoreSettings {
  readonly mode: MetricMode;
  /** Default: `sandbox.use` from config. */
  readonly sandbox?: string;
}

/** The benchmark whose scorer a bare `--metric` uses. */
const DEFAULT_BENCHMARK: Readonly<Record<MetricName, string>> = { math: 'math', f1: 'generic', em: 'generic', mc: 'mathqa', 'pass@1': 'mbpp' };

/** `flowsteer score`: one prediction, or a JSONL batch, with a metric alone. */
export interface ScoreResult {
  readonly metric: string;
  readonly mode: MetricMode;
  readonly benchmark: string;
  readonly score: number;
  readonly correct: boolean;
  readonly extracted: string;
  readonly reason: string;
  readonly em?: number;
  readonly f1?: number;
  readonly variants?: Readonly<Record<string, number>>;
}

export async function scoreCommand(host: Host<Record<never, never>>, lines: readonly ScoreLine[], settings: ScoreSettings = { mode: 'strict' }): Promise<ScoreResult[]> {
  // `scorer.use` (other than auto) scores every line with that registered scorer, the metric field aside.
  const scorer = resolveToken(host.container, Tokens.Scorer);
  if (scorer !== undefined) return scoreWithScorer(scorer, lines, settings.mode);
  let sandbox: Sandbox | undefined;
  // Opened for the first pass@1 line, with its DS-1000 option, and kept for the rest.
  let sandboxScoring: Pick<ScoringOptions, 'sandbox' | 'openDs1000Sandbox'> = {};
  try {
    const results: ScoreResult[] = [];
    for (const line of lines) {
      const metric = checkMetric(line.metric);
      const benchmark = checkBenchmark(line.benchmark ?? line.source) ?? DEFAULT_BENCHMARK[metric];
      if (metric === 'pass@1' && sandbox === undefined) {
        sandbox = await sandboxFor(host, settings.sandbox);
        sandboxScoring = { sandbox, ...ds1000Option(host, sandbox) };
      }
      const answers = line.answer === '' ? [] : [line.answer];
      const problem: EvalProblem = {
        id: 'score',
        source: benchmark,
        problemType: metric === 'pass@1' ? 'code' : metric === 'math' ? 'math' : metric === 'mc' ? 'mc' : 'qa',
        problem: '',
        groundTruth: line.answer,
        answers,
        ...(line.test === undefined ? {} : { test: line.test }),
        ...(line.entry_point === undefined ? {} : { entryPoint: line.entry_point }),
      };
      const score = await scoreAnswer(problem, line.prediction, { mode: settings.mode, ...sandboxScoring }, metric);
      results.push({ metric: score.metric, mode: score.mode, benchmark, score: score.score, correct: score.correct, extracted: score.extracted, reason: score.reason, ...(score.em === undefined ? {} : { em: score.em }), ...(score.f1 === undefined ? {} : { f1: score.f1 }), ...(score.variants === undefined ? {} : { variants: score.variants }) });
    }
    return results;
  } finally {
    await sandbox?.close();
  }
}

async function scoreWithScorer(scorer: Scorer, lines: readonly ScoreLine[], mode: MetricMode): Promise<ScoreResult[]> {
  const results: ScoreResult[] = [];
  for (const line of lines) {
    // No benchmark named: the scorer applies its own default.
    const given = checkBenchmark(line.benchmark ?? line.source);
    const benchmark = given ?? 'default';
    const extras = { ...(given === undefined ? {} : { source: given }), ...(line.test === undefined ? {} : { test: line.test }), ...(line.entry_point === undefined ? {} : { entryPoint: line.entry_point }) };
    const scored = await scorer.score({ prediction: line.prediction, reference: line.answer, extras });
    const detail = (key: string): string | undefined => (typeof scored.details?.[key] === 'string' ? scored.details[key] : undefined);
    results.push({ metric: scored.metric, mode, benchmark, score: scored.value, correct: scored.correct, extracted: detail('extracted') ?? line.prediction, reason: detail('reason') ?? `scored by the ${scorer.metric} scorer (scorer.use)` });
  }
  return results;
}

export function parseScoreBatch(text: string, requireMetric = true): ScoreLine[] {
  return text
    .split('\n')
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, index }) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new CliUsageError(`batch line ${index + 1} is not JSON`);
      }
      const record = value as Partial<ScoreLine>;
      if ((requireMetric && typeof record.metric !== 'string') || typeof record.prediction !== 'string' || typeof record.answer !== 'string') {
        throw new CliUsageError(`batch line ${index + 1} needs string fields ${requireMetric ? '"metric", ' : ''}"prediction" and "answer"`);
      }
      return { metric: '', ...record } as ScoreLine;
    });
}

export interface EvalCommandOptions {
  readonly data: readonly string[];
  readonly out: string;
  /** Default: `policy.use` from config. */
  readonly policy?: PolicyChoice;
  readonly limit?: number;
  readonly samples?: number;
  readonly metricMode: MetricMode;
  /** Default: `sandbox.use` from config. */
  readonly sandbox?: string;
  /** Append every executor call to this cassette, so the run can be replayed offline. */
  readonly record?: string;
  readonly concurrency: number;
  readonly seed: number;
  readonly canvas: { maxRounds: number; minOperators: number; requireChecker: boolean; requireStructure: boolean };
  readonly signal: AbortSignal;
  readonly onProgress?: (line: string) => void;
}

/** `flowsteer eval`: a resumable evaluation run with a manifest and a markdown report. */
export async function evalCommand(host: Host<Record<never, never>>, options: EvalCommandOptions) {
  const record = options.record;
  const runtime = await resolveRuntime(host, { ...(options.policy === undefined ? {} : { choice: options.policy }), events: host.events, ...(record === undefined ? {} : { wrapExecutorBackend: (backend) => new RecordingBackend(backend, record) }) });
  const policyName = options.policy ?? host.config.config.policy.use;
  const scorer = resolveToken(host.container, Tokens.Scorer);
  const canvasFactory = await resolveToken(host.container, Tokens.Canvas);
  if (runtime.kind === 'embedded') {
    await runtime.close();
    throw new CliUsageError('evaluation needs an executor model: set executor.baseUrl and executor.model (or FLOWSTEER_EXECUTOR_*), or start a local OpenAI-compatible server');
  }
  const sandbox = await sandboxFor(host, options.sandbox);
  const ledger = runtime.executor instanceof WorkflowExecutor ? runtime.executor.ledger : undefined;
  try {
    const width = 20;
    const result = await runEvaluation({
      dataFiles: options.data,
      out: options.out,
      policy: (problem) => runtime.createPolicy(problem.problemType),
      policyLabel: policyName.startsWith('template:') ? policyName : runtime.policy.id,
      executor: runtime.executor,
      executorLabel: runtime.label,
      models: { executor: host.config.config.executor.model ?? '', policy: host.config.config.policy.backend.model ?? '' },
      canvas: { ...options.canvas, ...runtime.vocabulary },
      generation: generationSettings(host),
      concurrency: options.concurrency,
      seed: options.seed,
      scoring: { sandbox, mode: options.metricMode, ...ds1000Option(host, sandbox) },
      sandboxLabel: options.sandbox ?? host.config.config.sandbox.use,
      ...(scorer === undefined ? {} : { scorer }),
      // The canvas canvas.use names (the built-in CanvasEnv unless configured otherwise).
      createCanvas: (runId) => canvasFactory({ settings: options.canvas, executor: runtime.executor, operators: runtime.vocabulary.operators, library: runtime.vocabulary.library, runId, options: host.config.config.canvas.options }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(options.samples === undefined ? {} : { samples: options.samples }),
      ...(ledger === undefined ? {} : { usageLedger: ledger }),
      signal: options.signal,
      onRecord: (record, done, total) => {
        const filled = Math.round((done / total) * width);
        options.onProgress?.(`eval ${String(done).padStart(String(total).length)}/${total} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${record.id} ${record.correct ? '✓' : '✗'} ${record.metric} ${record.score.toFixed(2)}${record.error === undefined ? '' : ` (${record.error})`}`);
      },
    });
    if (result.tornBytes > 0) options.onProgress?.(`results.jsonl ended in a torn record (${result.tornBytes} bytes, from an interrupted run); it was cut off and that problem is scored again`);
    const report = markdownReport(result.records, result.manifest);
    const path = await writeReport(options.out, report);
    return { ...result, report, reportPath: path, summary: summarize(result.records) };
  } finally {
    await sandbox.close();
    await runtime.close();
  }
}

/** Sampling settings that change what the models answer; a rerun must use the same. */
function generationSettings(host: Host<Record<never, never>>): Record<string, unknown> {
  const pick = (b: { backend: string; model?: string | undefined; temperature?: number | undefined; maxTokens?: number | undefined }): Record<string, unknown> => ({ backend: b.backend, model: b.model ?? null, temperature: b.temperature ?? null, maxTokens: b.maxTokens ?? null });
  return { executor: pick(host.config.config.executor), policy: { use: host.config.config.policy.use, ...pick(host.config.config.policy.backend) } };
}

export { describeMode };

export async function evalReportCommand(out: string, compare?: string): Promise<string> {
  const run = await readRun(out);
  const baseline = compare === undefined ? undefined : await readRun(compare);
  return markdownReport(run.records, run.manifest, baseline);
}

export async function readTextFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliUsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}
