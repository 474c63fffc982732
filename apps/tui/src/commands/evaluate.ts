import { readFile } from 'node:fs/promises';
import { Tokens, resolveToken, type Host, type Sandbox } from '@flowsteer/core';
import { markdownReport, readRun, runEvaluation, scoreAnswer, summarize, writeReport, type EvalProblem, type MetricName } from '@flowsteer/eval';
import { WorkflowExecutor } from '@flowsteer/canvas';
import { CliUsageError } from '../errors.js';
import { resolveRuntime, type PolicyChoice } from '../session/runtime.js';

const METRICS: readonly MetricName[] = ['math', 'f1', 'em', 'mc', 'pass@1'];

export function checkMetric(metric: string): MetricName {
  if (!(METRICS as readonly string[]).includes(metric)) throw new CliUsageError(`--metric must be one of ${METRICS.join(', ')}, got "${metric}"`);
  return metric as MetricName;
}

async function sandboxFor(host: Host<Record<never, never>>): Promise<Sandbox> {
  const use = host.config.config.sandbox.use;
  if (use !== 'custom' && !host.registries.sandboxes.has(use)) throw new CliUsageError(`pass@1 needs a sandbox: "${use}" (sandbox.use) is not installed; available: ${host.registries.sandboxes.names().join(', ') || 'none'}`);
  return resolveToken(host.container, Tokens.Sandbox);
}

interface ScoreLine {
  readonly metric: string;
  readonly prediction: string;
  readonly answer: string;
  readonly test?: string;
  readonly entry_point?: string;
  readonly source?: string;
}

/** `flowsteer score`: one prediction, or a JSONL batch, with a metric alone. */
export async function scoreCommand(host: Host<Record<never, never>>, lines: readonly ScoreLine[]): Promise<Array<{ metric: string; score: number; correct: boolean; extracted: string; detail?: string }>> {
  let sandbox: Sandbox | undefined;
  try {
    const results = [];
    for (const line of lines) {
      const metric = checkMetric(line.metric);
      if (metric === 'pass@1') sandbox ??= await sandboxFor(host);
      const problem: EvalProblem = {
        id: 'score',
        source: line.source ?? (metric === 'pass@1' ? 'mbpp' : 'score'),
        problemType: metric === 'pass@1' ? 'code' : metric === 'math' ? 'math' : metric === 'mc' ? 'mc' : 'qa',
        problem: '',
        groundTruth: line.answer,
        ...(line.test === undefined ? {} : { test: line.test }),
        ...(line.entry_point === undefined ? {} : { entryPoint: line.entry_point }),
      };
      const score = await scoreAnswer(problem, line.prediction, sandbox === undefined ? {} : { sandbox }, metric);
      results.push({ metric, score: score.score, correct: score.correct, extracted: score.extracted, ...(score.detail === undefined ? {} : { detail: score.detail }) });
    }
    return results;
  } finally {
    await sandbox?.close();
  }
}

export function parseScoreBatch(text: string): ScoreLine[] {
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
      if (typeof record.metric !== 'string' || typeof record.prediction !== 'string' || typeof record.answer !== 'string') {
        throw new CliUsageError(`batch line ${index + 1} needs string fields "metric", "prediction" and "answer"`);
      }
      return record as ScoreLine;
    });
}

export interface EvalCommandOptions {
  readonly data: readonly string[];
  readonly out: string;
  /** Default: `policy.use` from config. */
  readonly policy?: PolicyChoice;
  readonly limit?: number;
  readonly concurrency: number;
  readonly seed: number;
  readonly canvas: { maxRounds: number; minOperators: number; requireChecker: boolean; requireStructure: boolean };
  readonly signal: AbortSignal;
  readonly onProgress?: (line: string) => void;
}

/** `flowsteer eval`: a resumable evaluation run with a manifest and a markdown report. */
export async function evalCommand(host: Host<Record<never, never>>, options: EvalCommandOptions) {
  const runtime = await resolveRuntime(host, { ...(options.policy === undefined ? {} : { choice: options.policy }), events: host.events });
  const policyName = options.policy ?? host.config.config.policy.use;
  const scorer = resolveToken(host.container, Tokens.Scorer);
  const canvasFactory = await resolveToken(host.container, Tokens.Canvas);
  if (runtime.kind === 'embedded') {
    await runtime.close();
    throw new CliUsageError('evaluation needs an executor model: set executor.baseUrl and executor.model (or FLOWSTEER_EXECUTOR_*), or start a local OpenAI-compatible server');
  }
  const sandbox = await sandboxFor(host);
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
      concurrency: options.concurrency,
      seed: options.seed,
      scoring: { sandbox },
      ...(scorer === undefined ? {} : { scorer }),
      // The canvas canvas.use names (the built-in CanvasEnv unless configured otherwise).
      createCanvas: (runId) => canvasFactory({ settings: options.canvas, executor: runtime.executor, operators: runtime.vocabulary.operators, library: runtime.vocabulary.library, runId, options: host.config.config.canvas.options }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(ledger === undefined ? {} : { tokensUsed: () => ledger.total().totalTokens }),
      signal: options.signal,
      onRecord: (record, done, total) => {
        const filled = Math.round((done / total) * width);
        options.onProgress?.(`eval ${String(done).padStart(String(total).length)}/${total} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${record.id} ${record.correct ? '✓' : '✗'} ${record.metric} ${record.score.toFixed(2)}${record.error === undefined ? '' : ` (${record.error})`}`);
      },
    });
    const report = markdownReport(result.records, result.manifest);
    const path = await writeReport(options.out, report);
    return { ...result, report, reportPath: path, summary: summarize(result.records) };
  } finally {
    await sandbox.close();
    await runtime.close();
  }
}

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
