import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Semaphore, describeError, throwIfAborted, writeFileAtomic, type CanvasEnvironment, type Policy, type Scorer, type UsageLedger } from '@flowsteer/core';
import { CanvasEnv, executionText, runEpisode, type CanvasExecutor, type ExecutionValue, type OperatorSpec } from '@flowsteer/canvas';
import { loadDataset, type EvalProblem, type MetricName } from './datasets.js';
import { METRIC_VERSION, type MetricMode } from './modes.js';
import { DurableLog, readLog, RunDirectoryError, RunLock } from './run-log.js';
import { metricFor, scoreAnswer, type ScoringOptions } from './scoring.js';

const packageVersion = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

export interface TranscriptTurn {
  readonly action: string;
  readonly feedback: string;
}

export interface EvalRecord {
  readonly id: string;
  /** 0 … samples−1 (pass@k needs several samples per problem). */
  readonly sample: number;
  readonly source: string;
  readonly problemType: string;
  readonly metric: MetricName;
  readonly mode: MetricMode;
  readonly prediction: string;
  readonly extracted: string;
  readonly reference: string;
  readonly score: number;
  readonly correct: boolean;
  readonly em?: number;
  readonly f1?: number;
  readonly variants?: Readonly<Record<string, number>>;
  /** Why the scorer decided so. */
  readonly reason: string;
  readonly finished: boolean;
  readonly rounds: number;
  readonly dsl: string;
  readonly tokens: number;
  readonly latencyMs: number;
  readonly transcript: readonly TranscriptTurn[];
  readonly error?: string;
}

/** Everything that changes results; a rerun into the same directory must match all of it. */
export interface EvalSettings {
  readonly dataHash: string;
  readonly policy: string;
  readonly executor: string;
  readonly models: Readonly<Record<string, string>>;
  readonly seed: number;
  readonly limit: number | null;
  readonly samples: number;
  readonly metricMode: MetricMode;
  readonly metricVersion: string;
  readonly sandbox: string;
  readonly canvas: Readonly<Record<string, unknown>>;
  readonly generation: Readonly<Record<string, unknown>>;
  readonly projectVersion: string;
  readonly problemIds: readonly string[];
}

export interface EvalManifest extends EvalSettings {
  readonly format: 'flowsteer.eval';
  readonly version: 2;
  readonly createdAt: string;
  readonly data: ReadonlyArray<{ readonly file: string; readonly sha256: string; readonly problems: number }>;
}

export interface EvalRunOptions {
  readonly dataFiles: readonly string[];
  readonly out: string;
  /** A fresh policy per problem (policies may keep per-episode state). */
  readonly policy: (problem: EvalProblem) => Policy;
  readonly policyLabel: string;
  readonly executor: CanvasExecutor;
  readonly executorLabel: string;
  readonly models?: Readonly<Record<string, string>>;
  readonly canvas?: { readonly maxRounds?: number; readonly minOperators?: number; readonly requireChecker?: boolean; readonly requireStructure?: boolean; readonly operators?: readonly OperatorSpec[]; readonly library?: readonly string[] };
  /** Generation parameters of the executor and policy models (temperature, max tokens…), pinned as given. */
  readonly generation?: Readonly<Record<string, unknown>>;
  /** Problems per dataset (a seeded subset of each). */
  readonly limit?: number;
  /** Episodes per problem; pass@k is reported for k ≤ samples. Default 1. */
  readonly samples?: number;
  readonly concurrency?: number;
  readonly seed?: number;
  readonly scoring?: ScoringOptions;
  /** Scores every problem with this scorer (`scorer.use`) instead of each dataset's own metric. */
  readonly scorer?: Scorer;
  /** The sandbox name code is scored in (pinned). */
  readonly sandboxLabel?: string;
  /** The executor's usage ledger: each entry is counted to the problem whose episode recorded it. */
  readonly usageLedger?: UsageLedger;
  /** Builds the canvas of each problem (`canvas.use`); the built-in `CanvasEnv` by default. */
  readonly createCanvas?: (runId: string) => CanvasEnvironment;
  readonly onRecord?: (record: EvalRecord, done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/** A seeded subset of `limit` problems from each dataset (sources in sorted order). */
export function selectProblems(problems: readonly EvalProblem[], limit: number | undefined, seed: number): EvalProblem[] {
  if (limit === undefined) return [...problems];
  const bySource = new Map<string, EvalProblem[]>();
  for (const p of problems) bySource.set(p.source, [...(bySource.get(p.source) ?? []), p]);
  const chosen: EvalProblem[] = [];
  for (const [source, list] of [...bySource.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const keyed = list.map((p) => ({ p, key: createHash('sha256').update(`${seed}:${source}:${p.id}`).digest('hex') }));
    keyed.sort((a, b) => a.key.localeCompare(b.key));
    chosen.push(...keyed.slice(0, limit).map((k) => k.p));
  }
  return chosen;
}

/** The answer text of an execution output, as it is scored: code tasks prefer the output's code. */
export function predictionFromOutput(output: ExecutionValue | null, problemType: string): string {
  if (output !== null && typeof output === 'object' && problemType === 'code' && typeof output['code'] === 'string' && output['code'] !== '') return output['code'];
  return executionText(output);
}

/** The answer text of a finished canvas: its last execution result (code tasks prefer the code). */
export function predictionOf(env: CanvasEnv, problem: EvalProblem): string {
  return predictionFromOutput(env.state.lastExecutionResult, problem.problemType);
}

const recordKey = (id: string, sample: number): string => `${id}#${sample}`;

function differences(existing: EvalSettings, next: EvalSettings): string[] {
  const keys: Array<keyof EvalSettings> = ['dataHash', 'problemIds', 'policy', 'executor', 'models', 'seed', 'limit', 'samples', 'metricMode', 'metricVersion', 'sandbox', 'canvas', 'generation', 'projectVersion'];
  const show = (v: unknown): string => {
    const text = JSON.stringify(v) ?? 'undefined';
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  };
  return keys.filter((k) => JSON.stringify(existing[k]) !== JSON.stringify(next[k])).map((k) => `${k} (${show(existing[k])} → ${show(next[k])})`);
}

/** Counts ledger entries to the problem whose async context recorded them, for the run's duration. */
function attributeUsage(ledger: UsageLedger | undefined, store: AsyncLocalStorage<{ tokens: number }>): () => void {
  if (ledger === undefined) return () => undefined;
  // Listeners run synchronously inside `record`, so the store is the recording episode's.
  return ledger.subscribe((entry) => {
    const counter = store.getStore();
    if (counter !== undefined) counter.tokens += entry.usage.totalTokens;
  });
}

/**
 * Evaluates a policy on datasets. Results stream to `out/results.jsonl` (one fsynced line per
 * problem and sample), so a killed run resumes where it stopped and never scores a problem twice.
 * The directory is locked while a run writes it; the manifest pins every setting that changes
 * results, and a rerun with any of them different is refused, naming them.
 */
export async function runEvaluation(options: EvalRunOptions): Promise<{ manifest: EvalManifest; records: EvalRecord[]; resumed: number; tornBytes: number }> {
  const datasets = [];
  for (const file of options.dataFiles) datasets.push(await loadDataset(file));
  const seen = new Map<string, string>();
  for (const d of datasets) {
    for (const p of d.problems) {
      const other = seen.get(p.id);
      if (other !== undefined) throw new RunDirectoryError(`problem id "${p.id}" is in both ${other} and ${d.file}`);
      seen.set(p.id, d.file);
    }
  }
  const all = datasets.flatMap((d) => d.problems);
  const seed = options.seed ?? 42;
  const samples = options.samples ?? 1;
  const selected = selectProblems(all, options.limit, seed);
  const settings: EvalSettings = {
    dataHash: createHash('sha256').update(datasets.map((d) => d.sha256).join(':')).digest('hex'),
    policy: options.policyLabel,
    executor: options.executorLabel,
    models: options.models ?? {},
    seed,
    limit: options.limit ?? null,
    samples,
    metricMode: options.scoring?.mode ?? 'strict',
    metricVersion: METRIC_VERSION,
    sandbox: options.sandboxLabel ?? 'unspecified',
    // The manifest pins which operators the policy was shown, not their full specs.
    canvas: Object.fromEntries(Object.entries(options.canvas ?? {}).filter(([key]) => key !== 'operators')),
    generation: options.generation ?? {},
    projectVersion: packageVersion,
    problemIds: selected.map((p) => p.id),
  };
  const lock = await RunLock.acquire(options.out);
  const usage = new AsyncLocalStorage<{ tokens: number }>();
  const stopAttributing = attributeUsage(options.usageLedger, usage);
  let log: DurableLog | undefined;
  try {
    const manifestPath = join(options.out, 'manifest.json');
    const existing = await readManifest(options.out);
    let manifest: EvalManifest;
    if (existing !== undefined) {
      const mismatch = differences(existing, settings);
      if (mismatch.length > 0) throw new RunDirectoryError(`${options.out} holds a run with other settings: ${mismatch.join('; ')}. Use a new --out, or remove the directory to start over`, { out: options.out, settings: mismatch });
      manifest = existing;
    } else {
      manifest = { format: 'flowsteer.eval', version: 2, createdAt: new Date().toISOString(), data: datasets.map((d) => ({ file: d.file, sha256: d.sha256, problems: d.problems.length })), ...settings };
      await writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    }
    const opened = await DurableLog.open(join(options.out, 'results.jsonl'));
    log = opened.log;
    const { records: previous } = await readLog<EvalRecord>(log.path);
    const done = new Map(previous.map((r) => [recordKey(r.id, r.sample ?? 0), r]));
    const resumed = done.size;
    const jobs = selected.flatMap((problem) => Array.from({ length: samples }, (_, sample) => ({ problem, sample }))).filter((j) => !done.has(recordKey(j.problem.id, j.sample)));
    const total = selected.length * samples;
    const semaphore = new Semaphore(options.concurrency ?? 4);
    let completed = done.size;
    const writer = log;
    await Promise.all(
      jobs.map(({ problem, sample }) =>
        semaphore.run(async () => {
          const counter = { tokens: 0 };
          const record = await usage.run(counter, () => evaluateOne(problem, sample, options, counter));
          await writer.append(record);
          done.set(recordKey(problem.id, sample), record);
          completed++;
          options.onRecord?.(record, completed, total);
        }, options.signal),
      ),
    );
    const records = selected.flatMap((p) => Array.from({ length: samples }, (_, s) => done.get(recordKey(p.id, s)))).filter((r): r is EvalRecord => r !== undefined);
    return { manifest, records, resumed, tornBytes: opened.tornBytes };
  } finally {
    stopAttributing();
    await log?.close();
    await lock.release();
  }
}

async function scoreWith(scorer: Scorer, problem: EvalProblem, prediction: string, metric: MetricName, signal: AbortSignal | undefined) {
  const extras = { problemType: problem.problemType, source: problem.source, ...(problem.test === undefined ? {} : { test: problem.test }), ...(problem.entryPoint === undefined ? {} : { entryPoint: problem.entryPoint }) };
  const result = await scorer.score({ prediction, reference: problem.groundTruth, extras }, signal);
  const value = Number.isFinite(result.value) ? Math.min(1, Math.max(0, result.value)) : 0;
  const extracted = typeof result.details?.['extracted'] === 'string' ? result.details['extracted'] : prediction;
  const reason = typeof result.details?.['reason'] === 'string' ? result.details['reason'] : `scored by the ${scorer.metric} scorer`;
  return { metric, score: value, correct: result.correct === true, extracted, reason, em: undefined, f1: undefined, variants: undefined };
}

/** An episode on a canvas that is not the built-in one, through the canvas contract alone. */
async function otherCanvasEpisode(env: CanvasEnvironment, policy: Policy, problem: EvalProblem, maxRounds: number, signal: AbortSignal | undefined) {
  const task = { id: problem.id, problem: problem.problem, type: problem.problemType, ...(problem.entryPoint === undefined ? {} : { entryPoint: problem.entryPoint }), ...(problem.test === undefined ? {} : { test: problem.test }) };
  let observation = env.reset(task).observation;
  let turns = 0;
  while (!env.done && turns < maxRounds) {
    throwIfAborted(signal, 'episode');
    const output = await policy.act(observation, signal ?? new AbortController().signal);
    observation = (await env.step(output.text, signal)).observation;
    turns++;
  }
  const result = env.result?.();
  const finished = env.done && result?.forced !== true;
  const output = result?.output ?? null;
  const prediction = finished ? predictionFromOutput(output, problem.problemType) : '';
  return { turns: result?.rounds ?? turns, finished, prediction, dsl: result?.workflow ?? '' };
}

async function evaluateOne(problem: EvalProblem, sample: number, options: EvalRunOptions, counter: { tokens: number }): Promise<EvalRecord> {
  const started = performance.now();
  const runId = `${problem.id}#${sample}`;
  const made = options.createCanvas?.(runId);
  if (made !== undefined && !(made instanceof CanvasEnv)) return evaluateOnOtherCanvas(made, problem, sample, options, started, counter);
  const env = made ?? new CanvasEnv({ ...options.canvas, executor: options.executor, runId });
  const metric = metricFor(problem);
  const mode = options.scoring?.mode ?? 'strict';
  const transcript: TranscriptTurn[] = [];
  const base = { id: problem.id, sample, source: problem.source, problemType: problem.problemType, metric, mode, reference: problem.groundTruth };
  try {
    const { turns, finished } = await runEpisode(
      env,
      options.policy(problem),
      { problem: problem.problem, type: problem.problemType, ...(problem.entryPoint === undefined ? {} : { entryPoint: problem.entryPoint }), ...(problem.test === undefined ? {} : { test: problem.test }) },
      { ...(options.signal === undefined ? {} : { signal: options.signal }), onTurn: (turn) => transcript.push({ action: turn.output.text, feedback: turn.result.feedback.slice(0, 2000) }) },
    );
    // An episode that never finished has no answer (the reference scored it anyway).
    const prediction = finished ? predictionOf(env, problem) : '';
    const scored = options.scorer === undefined ? await scoreAnswer(problem, prediction, options.scoring ?? {}, metric) : await scoreWith(options.scorer, problem, prediction, metric, options.signal);
    return {
      ...base,
      metric: scored.metric,
      prediction,
      extracted: scored.extracted,
      score: scored.score,
      correct: scored.correct,
      ...(scored.em === undefined ? {} : { em: scored.em }),
      ...(scored.f1 === undefined ? {} : { f1: scored.f1 }),
      ...(scored.variants === undefined ? {} : { variants: scored.variants }),
      reason: finished ? scored.reason : 'the episode did not finish, so there is no answer',
      finished,
      rounds: turns,
      dsl: env.graph.toDsl(),
      tokens: counter.tokens,
      latencyMs: performance.now() - started,
      transcript,
    };
  } catch (error) {
    if (options.signal?.aborted === true) throw error;
    return { ...base, prediction: '', extracted: '', score: 0, correct: false, reason: `error: ${describeError(error)}`, finished: false, rounds: env.state.round, dsl: env.graph.toDsl(), tokens: counter.tokens, latencyMs: performance.now() - started, transcript, error: describeError(error) };
  }
}

async function evaluateOnOtherCanvas(env: CanvasEnvironment, problem: EvalProblem, sample: number, options: EvalRunOptions, started: number, counter: { tokens: number }): Promise<EvalRecord> {
  const metric = metricFor(problem);
  const mode = options.scoring?.mode ?? 'strict';
  const base = { id: problem.id, sample, source: problem.source, problemType: problem.problemType, metric, mode, reference: problem.groundTruth };
  try {
    const episode = await otherCanvasEpisode(env, options.policy(problem), problem, options.canvas?.maxRounds ?? 20, options.signal);
    const scored = options.scorer === undefined ? await scoreAnswer(problem, episode.prediction, options.scoring ?? {}, metric) : await scoreWith(options.scorer, problem, episode.prediction, metric, options.signal);
    return { ...base, metric: scored.metric, prediction: episode.prediction, extracted: scored.extracted, score: scored.score, correct: scored.correct, reason: episode.finished ? scored.reason : 'the episode did not finish, so there is no answer', finished: episode.finished, rounds: episode.turns, dsl: episode.dsl, tokens: counter.tokens, latencyMs: performance.now() - started, transcript: [] };
  } catch (error) {
    if (options.signal?.aborted === true) throw error;
    return { ...base, prediction: '', extracted: '', score: 0, correct: false, reason: `error: ${describeError(error)}`, finished: false, rounds: 0, dsl: '', tokens: counter.tokens, latencyMs: performance.now() - started, transcript: [], error: describeError(error) };
  }
}

async function readManifest(out: string): Promise<EvalManifest | undefined> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(join(out, 'manifest.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let manifest: EvalManifest;
  try {
    manifest = JSON.parse(text) as EvalManifest;
  } catch {
    throw new RunDirectoryError(`${join(out, 'manifest.json')} is not valid JSON`);
  }
  if (manifest.format !== 'flowsteer.eval') throw new RunDirectoryError(`${out} is not an eval run directory`);
  if (manifest.version !== 2) throw new RunDirectoryError(`${out} was written by an older evaluator (manifest version ${String(manifest.version)}); its scores used other metrics. Use a new --out`);
  return manifest;
}

/** Reads a finished or partial run directory (without writing to it). */
export async function readRun(out: string): Promise<{ manifest: EvalManifest; records: EvalRecord[] }> {
  const manifest = await readManifest(out);
  if (manifest === undefined) throw new RunDirectoryError(`${out} has no manifest.json (not an eval run directory)`);
  const { records } = await readLog<EvalRecord>(join(out, 'results.jsonl'));
  const byKey = new Map(records.map((r) => [recordKey(r.id, r.sample ?? 0), r]));
  return { manifest, records: manifest.problemIds.flatMap((id) => Array.from({ length: manifest.samples }, (_, s) => byKey.get(recordKey(id, s)))).filter((r): r is EvalRecord => r !== undefined) };
}

export async function writeReport(out: string, text: string): Promise<string> {
  const path = join(out, 'report.md');
  await writeFileAtomic(path, `${text}\n`);
  return path;
}
