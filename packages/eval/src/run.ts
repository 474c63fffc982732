import { createHash } from 'node:crypto';
import { FileStore, Semaphore, describeError, throwIfAborted, writeFileAtomic, type CanvasEnvironment, type Policy, type Scorer } from '@flowsteer/core';
import { CanvasEnv, executionText, runEpisode, type CanvasExecutor, type OperatorSpec } from '@flowsteer/canvas';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { DATASETS, loadDataset, type EvalProblem, type MetricName } from './datasets.js';
import { metricFor, scoreAnswer, type ScoringOptions } from './scoring.js';

export interface EvalRecord {
  readonly id: string;
  readonly source: string;
  readonly problemType: string;
  readonly metric: MetricName;
  readonly prediction: string;
  readonly extracted: string;
  readonly reference: string;
  readonly score: number;
  readonly correct: boolean;
  readonly finished: boolean;
  readonly rounds: number;
  readonly dsl: string;
  readonly tokens: number;
  readonly latencyMs: number;
  readonly error?: string;
}

export interface EvalManifest {
  readonly format: 'flowsteer.eval';
  readonly version: 1;
  readonly createdAt: string;
  readonly data: ReadonlyArray<{ readonly file: string; readonly sha256: string; readonly problems: number }>;
  readonly dataHash: string;
  readonly policy: string;
  readonly executor: string;
  readonly models: Readonly<Record<string, string>>;
  readonly seed: number;
  readonly limit: number | null;
  readonly canvas: Readonly<Record<string, unknown>>;
  readonly problemIds: readonly string[];
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
  readonly limit?: number;
  readonly concurrency?: number;
  readonly seed?: number;
  readonly scoring?: ScoringOptions;
  /** Scores every problem with this scorer (`scorer.use`) instead of each dataset's own metric. */
  readonly scorer?: Scorer;
  /** Builds the canvas of each problem (`canvas.use`); the built-in `CanvasEnv` by default. */
  readonly createCanvas?: (runId: string) => CanvasEnvironment;
  /** Token usage of the run so far, read after each problem (e.g. the executor's ledger). */
  readonly tokensUsed?: () => number;
  readonly onRecord?: (record: EvalRecord, done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/** Deterministic per-source subset: a seeded shuffle of each source, `limit / sources` from each. */
export function selectProblems(problems: readonly EvalProblem[], limit: number | undefined, seed: number): EvalProblem[] {
  if (limit === undefined || limit >= problems.length) return [...problems];
  const bySource = new Map<string, EvalProblem[]>();
  for (const p of problems) bySource.set(p.source, [...(bySource.get(p.source) ?? []), p]);
  const perSource = Math.max(1, Math.floor(limit / bySource.size));
  const chosen: EvalProblem[] = [];
  for (const [source, list] of [...bySource.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const keyed = list.map((p) => ({ p, key: createHash('sha256').update(`${seed}:${source}:${p.id}`).digest('hex') }));
    keyed.sort((a, b) => a.key.localeCompare(b.key));
    chosen.push(...keyed.slice(0, perSource).map((k) => k.p));
  }
  return chosen.slice(0, limit);
}

/** The answer text of a finished canvas: its last execution result (code tasks prefer the code). */
export function predictionOf(env: CanvasEnv, problem: EvalProblem): string {
  const result = env.state.lastExecutionResult;
  if (result !== null && typeof result === 'object' && problem.problemType === 'code' && typeof result['code'] === 'string' && result['code'] !== '') return result['code'];
  return executionText(result);
}

/**
 * Evaluates a policy on datasets. Results stream to `out/results.jsonl` (one fsynced line per
 * problem), so a killed run resumes where it stopped and never scores a problem twice; the
 * manifest pins data hashes, policy, executor, models, seed and the problem list.
 */
export async function runEvaluation(options: EvalRunOptions): Promise<{ manifest: EvalManifest; records: EvalRecord[]; resumed: number }> {
  const datasets = await Promise.all(options.dataFiles.map((file) => loadDataset(file)));
  const all = datasets.flatMap((d) => d.problems);
  const seed = options.seed ?? 42;
  const selected = selectProblems(all, options.limit, seed);
  const dataHash = createHash('sha256').update(datasets.map((d) => d.sha256).join(':')).digest('hex');
  const store = new FileStore(options.out);
  const manifest: EvalManifest = {
    format: 'flowsteer.eval',
    version: 1,
    createdAt: new Date().toISOString(),
    data: datasets.map((d) => ({ file: d.file, sha256: d.sha256, problems: d.problems.length })),
    dataHash,
    policy: options.policyLabel,
    executor: options.executorLabel,
    models: options.models ?? {},
    seed,
    limit: options.limit ?? null,
    // The manifest pins which operators the policy was shown, not their full specs.
    canvas: Object.fromEntries(Object.entries(options.canvas ?? {}).filter(([key]) => key !== 'operators')),
    problemIds: selected.map((p) => p.id),
  };
  const existing = await store.get<EvalManifest>('manifest');
  if (existing !== undefined) {
    const mismatch = (['dataHash', 'policy', 'executor', 'seed', 'limit'] as const).filter((key) => JSON.stringify(existing[key]) !== JSON.stringify(manifest[key]));
    if (mismatch.length > 0) throw new Error(`${options.out} holds a different run (${mismatch.join(', ')} differ); use a new --out or remove it`);
  } else {
    await store.put('manifest', manifest);
  }
  const done = new Map((await store.read<EvalRecord>('results')).map((r) => [r.id, r]));
  const resumed = done.size;
  const todo = selected.filter((p) => !done.has(p.id));
  const semaphore = new Semaphore(options.concurrency ?? 4);
  let completed = done.size;
  await Promise.all(
    todo.map((problem) =>
      semaphore.run(async () => {
        const record = await evaluateOne(problem, options);
        await store.append('results', record);
        done.set(problem.id, record);
        completed++;
        options.onRecord?.(record, completed, selected.length);
      }, options.signal),
    ),
  );
  const records = selected.map((p) => done.get(p.id)).filter((r): r is EvalRecord => r !== undefined);
  return { manifest: existing ?? manifest, records, resumed };
}

async function scoreWith(scorer: Scorer, problem: EvalProblem, prediction: string, signal: AbortSignal | undefined) {
  const extras = { problemType: problem.problemType, source: problem.source, ...(problem.test === undefined ? {} : { test: problem.test }), ...(problem.entryPoint === undefined ? {} : { entryPoint: problem.entryPoint }) };
  const result = await scorer.score({ prediction, reference: problem.groundTruth, extras }, signal);
  const value = Number.isFinite(result.value) ? Math.min(1, Math.max(0, result.value)) : 0;
  const extracted = typeof result.details?.['extracted'] === 'string' ? result.details['extracted'] : prediction;
  return { score: value, correct: result.correct === true, extracted };
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
  const prediction = !finished || output === null ? '' : problem.problemType === 'code' && typeof output === 'object' && typeof output['code'] === 'string' && output['code'] !== '' ? output['code'] : executionText(output);
  return { turns: result?.rounds ?? turns, finished, prediction, dsl: result?.workflow ?? '' };
}

async function evaluateOne(problem: EvalProblem, options: EvalRunOptions): Promise<EvalRecord> {
  const started = performance.now();
  const tokensBefore = options.tokensUsed?.() ?? 0;
  const made = options.createCanvas?.(problem.id);
  if (made !== undefined && !(made instanceof CanvasEnv)) return evaluateOnOtherCanvas(made, problem, options, started, tokensBefore);
  const env = made ?? new CanvasEnv({ ...options.canvas, executor: options.executor, runId: problem.id });
  const metric = metricFor(problem);
  const base = { id: problem.id, source: problem.source, problemType: problem.problemType, metric, reference: problem.groundTruth };
  try {
    const { turns, finished } = await runEpisode(env, options.policy(problem), { problem: problem.problem, type: problem.problemType, ...(problem.entryPoint === undefined ? {} : { entryPoint: problem.entryPoint }), ...(problem.test === undefined ? {} : { test: problem.test }) }, options.signal === undefined ? {} : { signal: options.signal });
    // An episode that never finished has no answer (the reference scored it anyway).
    const prediction = finished ? predictionOf(env, problem) : '';
    const scored = options.scorer === undefined ? await scoreAnswer(problem, prediction, options.scoring ?? {}, metric) : await scoreWith(options.scorer, problem, prediction, options.signal);
    return { ...base, prediction, extracted: scored.extracted, score: scored.score, correct: scored.correct, finished, rounds: turns, dsl: env.graph.toDsl(), tokens: (options.tokensUsed?.() ?? 0) - tokensBefore, latencyMs: performance.now() - started };
  } catch (error) {
    if (options.signal?.aborted === true) throw error;
    return { ...base, prediction: '', extracted: '', score: 0, correct: false, finished: false, rounds: env.state.round, dsl: env.graph.toDsl(), tokens: 0, latencyMs: performance.now() - started, error: describeError(error) };
  }
}

async function evaluateOnOtherCanvas(env: CanvasEnvironment, problem: EvalProblem, options: EvalRunOptions, started: number, tokensBefore: number): Promise<EvalRecord> {
  const metric = metricFor(problem);
  const base = { id: problem.id, source: problem.source, problemType: problem.problemType, metric, reference: problem.groundTruth };
  try {
    const episode = await otherCanvasEpisode(env, options.policy(problem), problem, options.canvas?.maxRounds ?? 20, options.signal);
    const scored = options.scorer === undefined ? await scoreAnswer(problem, episode.prediction, options.scoring ?? {}, metric) : await scoreWith(options.scorer, problem, episode.prediction, options.signal);
    return { ...base, prediction: episode.prediction, extracted: scored.extracted, score: scored.score, correct: scored.correct, finished: episode.finished, rounds: episode.turns, dsl: episode.dsl, tokens: (options.tokensUsed?.() ?? 0) - tokensBefore, latencyMs: performance.now() - started };
  } catch (error) {
    if (options.signal?.aborted === true) throw error;
    return { ...base, prediction: '', extracted: '', score: 0, correct: false, finished: false, rounds: 0, dsl: '', tokens: 0, latencyMs: performance.now() - started, error: describeError(error) };
  }
}

export interface DatasetSummary {
  readonly source: string;
  readonly name: string;
  readonly metric: MetricName;
  readonly n: number;
  readonly meanScore: number;
  readonly accuracy: number;
  readonly finishedRate: number;
  readonly meanRounds: number;
  readonly meanTokens: number;
  readonly errors: number;
}

export function summarize(records: readonly EvalRecord[]): DatasetSummary[] {
  const bySource = new Map<string, EvalRecord[]>();
  for (const r of records) bySource.set(r.source, [...(bySource.get(r.source) ?? []), r]);
  const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  return [...bySource.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([source, list]) => ({
      source,
      name: DATASETS[source]?.name ?? source,
      metric: list[0]?.metric ?? 'f1',
      n: list.length,
      meanScore: mean(list.map((r) => r.score)),
      accuracy: mean(list.map((r) => (r.correct ? 1 : 0))),
      finishedRate: mean(list.map((r) => (r.finished ? 1 : 0))),
      meanRounds: mean(list.map((r) => r.rounds)),
      meanTokens: mean(list.map((r) => r.tokens)),
      errors: list.filter((r) => r.error !== undefined).length,
    }));
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}`;

/** Markdown report of one run, or of a run against a baseline. */
export function markdownReport(records: readonly EvalRecord[], manifest: EvalManifest, baseline?: { records: readonly EvalRecord[]; manifest: EvalManifest }): string {
  const rows = summarize(records);
  const lines = [`# Evaluation: ${manifest.policy}`, '', `executor: ${manifest.executor} · data hash ${manifest.dataHash.slice(0, 12)} · seed ${manifest.seed}`, ''];
  if (baseline === undefined) {
    lines.push('| dataset | metric | n | score | accuracy | finished | rounds | tokens |', '|---|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) lines.push(`| ${r.name} | ${r.metric} | ${r.n} | ${pct(r.meanScore)} | ${pct(r.accuracy)} | ${pct(r.finishedRate)} | ${r.meanRounds.toFixed(1)} | ${Math.round(r.meanTokens)} |`);
    return lines.join('\n');
  }
  const base = new Map(summarize(baseline.records).map((r) => [r.source, r]));
  lines.push(`compared with: ${baseline.manifest.policy}`, '', '| dataset | metric | n | score | baseline | Δ | tokens | baseline tokens |', '|---|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const b = base.get(r.source);
    lines.push(`| ${r.name} | ${r.metric} | ${r.n} | ${pct(r.meanScore)} | ${b === undefined ? '–' : pct(b.meanScore)} | ${b === undefined ? '–' : `${r.meanScore >= b.meanScore ? '+' : ''}${pct(r.meanScore - b.meanScore)}`} | ${Math.round(r.meanTokens)} | ${b === undefined ? '–' : Math.round(b.meanTokens)} |`);
  }
  return lines.join('\n');
}

/** Reads a finished or partial run directory. */
export async function readRun(out: string): Promise<{ manifest: EvalManifest; records: EvalRecord[] }> {
  const store = new FileStore(out);
  const manifest = await store.get<EvalManifest>('manifest');
  if (manifest === undefined) throw new Error(`${out} has no manifest.json (not an eval run directory)`);
  const byId = new Map((await store.read<EvalRecord>('results')).map((r) => [r.id, r]));
  return { manifest, records: manifest.problemIds.map((id) => byId.get(id)).filter((r): r is EvalRecord => r !== undefined) };
}

export async function writeReport(out: string, text: string): Promise<string> {
  const path = join(out, 'report.md');
  await writeFileAtomic(path, `${text}\n`);
  return path;
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await readFile(path);
    return true;
  } catch {
    return false;
  }
}
