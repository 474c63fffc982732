import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import { FlowSteerError } from '@flowsteer/core';
import { firstCharacter, jsonArrayRecords, jsonLines, JsonStreamError, type RawRecord } from './json-stream.js';
import { nativeProblems, RecordRejected } from './native-formats.js';

export type ProblemType = 'math' | 'qa' | 'code' | 'mc';
export type MetricName = 'math' | 'f1' | 'em' | 'mc' | 'pass@1';

export interface DatasetInfo {
  readonly name: string;
  readonly split: 'iid' | 'ood';
  readonly problemType: ProblemType;
  /** The headline metric for this benchmark. */
  readonly metric: MetricName;
  /** How code tests are run. */
  readonly codeHarness?: 'humaneval' | 'mbpp' | 'apps' | 'ds1000';
}

/** The 12 benchmarks of the FlowSteer evaluation. */
export const DATASETS: Readonly<Record<string, DatasetInfo>> = {
  gsm8k: { name: 'GSM8K', split: 'iid', problemType: 'math', metric: 'math' },
  math: { name: 'MATH', split: 'iid', problemType: 'math', metric: 'math' },
  hotpotqa: { name: 'HotpotQA', split: 'iid', problemType: 'qa', metric: 'f1' },
  squad_v2: { name: 'SQuAD v2', split: 'iid', problemType: 'qa', metric: 'f1' },
  mbpp: { name: 'MBPP', split: 'iid', problemType: 'code', metric: 'pass@1', codeHarness: 'mbpp' },
  humaneval: { name: 'HumanEval', split: 'iid', problemType: 'code', metric: 'pass@1', codeHarness: 'humaneval' },
  triviaqa: { name: 'TriviaQA', split: 'ood', problemType: 'qa', metric: 'f1' },
  nq: { name: 'NaturalQuestions', split: 'ood', problemType: 'qa', metric: 'em' },
  mathqa: { name: 'MathQA', split: 'ood', problemType: 'mc', metric: 'mc' },
  aime2025: { name: 'AIME 2025', split: 'ood', problemType: 'math', metric: 'math' },
  apps: { name: 'APPS', split: 'ood', problemType: 'code', metric: 'pass@1', codeHarness: 'apps' },
  ds1000: { name: 'DS-1000', split: 'ood', problemType: 'code', metric: 'pass@1', codeHarness: 'ds1000' },
};

export interface EvalProblem {
  readonly id: string;
  readonly source: string;
  readonly problemType: ProblemType;
  /** What the model is shown (a QA passage is part of it). */
  readonly problem: string;
  /** The gold answer as the dataset gives it (a solution, an `#### N` line, a letter…). */
  readonly groundTruth: string;
  /** Every acceptable gold answer, never split on `|`; empty for a SQuAD v2 no-answer question. */
  readonly answers: readonly string[];
  readonly test?: string;
  readonly entryPoint?: string;
  readonly prompt?: string;
  /** MBPP `test_setup_code`. */
  readonly setup?: string;
  /** DS-1000 `code_context` (defines `test_execution`). */
  readonly codeContext?: string;
  /** The line of the file the record starts on. */
  readonly line?: number;
}

/** A JSONL record in the FlowSteer-Dataset format (aliases accepted as the reference does). */
const RecordSchema = z
  .object({
    problem: z.string().min(1).optional(),
    question: z.string().min(1).optional(),
    context: z.string().optional(),
    ground_truth: z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))]).optional(),
    answer: z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))]).optional(),
    source: z.string().min(1).optional(),
    dataset: z.string().min(1).optional(),
    problem_type: z.enum(['math', 'qa', 'code', 'mc', 'mathqa_mc', 'reasoning']).optional(),
    id: z.union([z.string(), z.number()]).optional(),
    meta: z
      .object({
        task_id: z.union([z.string(), z.number()]).optional(),
        test: z.string().optional(),
        entry_point: z.string().optional(),
        prompt: z.string().optional(),
        test_setup_code: z.string().optional(),
        code_context: z.string().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

export class DatasetError extends FlowSteerError {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super('VALIDATION_FAILED', `${file}:${line}: ${message}`, { details: { file, line } });
  }
}

/** The dataset key a file stands for: `data/eval/gsm8k.jsonl` → `gsm8k`, `nq-open-dev.jsonl` → `nq`. */
export function datasetKeyOf(file: string): string | undefined {
  const name = basename(file).replace(/\.(jsonl?|json)$/i, '').toLowerCase();
  if (name in DATASETS) return name;
  const hints: Array<[RegExp, string]> = [[/squad/, 'squad_v2'], [/hotpot/, 'hotpotqa'], [/trivia/, 'triviaqa'], [/(^|[^a-z])nq([^a-z]|$)|natural.?questions/, 'nq'], [/gsm8k/, 'gsm8k'], [/mathqa/, 'mathqa'], [/aime/, 'aime2025'], [/human.?eval/, 'humaneval'], [/mbpp/, 'mbpp'], [/apps/, 'apps'], [/ds.?1000/, 'ds1000'], [/^math([^a-z]|$)/, 'math']];
  return hints.find(([pattern]) => pattern.test(name))?.[1];
}

export interface LoadedDataset {
  readonly file: string;
  readonly sha256: string;
  readonly problems: readonly EvalProblem[];
  /** Which format each record was read as. */
  readonly format: 'flowsteer' | 'native' | 'mixed';
}

export interface LoadOptions {
  readonly source?: string;
}

function flowSteerProblem(json: unknown, line: number, fallbackSource: string | undefined, fail: (message: string) => never): EvalProblem {
  const parsed = RecordSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(`field "${issue?.path.join('.') ?? '?'}": ${issue?.message ?? 'invalid'}`);
  }
  const record = parsed.data;
  const question = record.problem ?? record.question;
  if (question === undefined) fail('missing "problem" (or "question"), and the record is no benchmark\'s native format');
  const truth = record.ground_truth ?? record.answer;
  if (truth === undefined) fail('missing "ground_truth" (or "answer")');
  const source = (record.source ?? record.dataset ?? fallbackSource)?.toLowerCase();
  if (source === undefined) fail(`missing "source", and the file name is not one of ${Object.keys(DATASETS).join(', ')}`);
  const info = DATASETS[source];
  if (info === undefined && record.problem_type === undefined) fail(`unknown source "${source}" (known: ${Object.keys(DATASETS).join(', ')}); give "problem_type" to score it generically`);
  const problemType: ProblemType = record.problem_type === 'mathqa_mc' ? 'mc' : record.problem_type === 'reasoning' || record.problem_type === undefined ? (info?.problemType ?? 'qa') : record.problem_type;
  const meta = record.meta ?? {};
  if (problemType === 'code') {
    if (source === 'ds1000' && meta.code_context !== undefined) {
      if (!/def\s+test_execution\s*\(/.test(meta.code_context)) fail('"meta.code_context" defines no test_execution(solution)');
    } else if (meta.test === undefined || meta.test.trim() === '') fail('code records need "meta.test"');
    if (source === 'humaneval' && (meta.entry_point === undefined || meta.entry_point.trim() === '')) fail('HumanEval records need "meta.entry_point" (the function check(candidate) is called with)');
    if (source === 'apps') {
      try {
        const t = JSON.parse(meta.test ?? '') as { inputs?: unknown; outputs?: unknown };
        if (!Array.isArray(t.inputs) || !Array.isArray(t.outputs) || t.inputs.length !== t.outputs.length || t.inputs.length === 0) throw new Error('shape');
      } catch {
        fail('APPS "meta.test" must be JSON {"inputs": [...], "outputs": [...]} (and optional "fn_name") of equal, non-zero length');
      }
    }
  }
  const answers = (Array.isArray(truth) ? truth : [truth]).map(String);
  if (problemType !== 'code' && source !== 'squad_v2' && answers.every((a) => a.trim() === '')) fail('the ground truth is empty');
  const problem = record.context === undefined || record.context.trim() === '' ? question : `Context: ${record.context}\nQuestion: ${question}`;
  return {
    id: String(record.id ?? meta.task_id ?? `${source}-${line}`),
    source,
    problemType,
    problem,
    groundTruth: answers[0] ?? '',
    answers: source === 'squad_v2' ? answers.filter((a) => a.trim() !== '') : answers,
    line,
    ...(meta.test === undefined ? {} : { test: meta.test }),
    ...(meta.entry_point === undefined ? {} : { entryPoint: meta.entry_point }),
    ...(meta.prompt === undefined ? {} : { prompt: meta.prompt }),
    ...(meta.test_setup_code === undefined ? {} : { setup: meta.test_setup_code }),
    ...(meta.code_context === undefined ? {} : { codeContext: meta.code_context }),
  };
}

const JSON_DOCUMENT_START = /^\s*\{\s*"(?:version|data|Data|Domain|Version|VerifiedEval|Split)"/;

async function detectLayout(file: string): Promise<'jsonl' | 'array' | 'single'> {
  const first = await firstCharacter(file);
  if (first === '[') return 'array';
  if (first !== '{') return 'jsonl';
  // Peek at the opening bytes: SQuAD and TriviaQA documents open with their metadata keys.
  const { createReadStream } = await import('node:fs');
  const head = await new Promise<string>((resolve, reject) => {
    let text = '';
    const stream = createReadStream(file, { start: 0, end: 4095, encoding: 'utf8' });
    stream.on('data', (chunk) => (text += chunk as string));
    stream.on('end', () => resolve(text.replace(/^\uFEFF/, '')));
    stream.on('error', reject);
  });
  if (JSON_DOCUMENT_START.test(head)) return 'array';
  // A pretty-printed single record (a MATH problem file) spans lines; JSONL does not.
  const firstLine = head.split('\n')[0]?.trim() ?? '';
  if (firstLine === '{') return 'single';
  return 'jsonl';
}

async function* singleRecord(file: string, hash: ReturnType<typeof createHash>): AsyncGenerator<RawRecord> {
  let text = '';
  for await (const record of jsonLines(file, hash)) text += `${record.text}\n`;
  yield { line: 1, text };
}

/**
 * Reads a dataset file: FlowSteer-Dataset JSONL, or a benchmark's own public format (HumanEval,
 * MBPP, APPS, DS-1000, GSM8K, MATH, MathQA, AIME, NQ-open and TriviaQA JSONL; SQuAD v2,
 * HotpotQA, TriviaQA and MathQA JSON documents). Reads stream, so memory stays bounded; a BOM
 * and CRLF line ends are accepted. Every record that cannot be scored is an error naming the
 * file and line; an empty file is an error.
 */
export async function loadDataset(file: string, options: LoadOptions = {}): Promise<LoadedDataset> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
  } catch (error) {
    throw new DatasetError(file, 0, `cannot read: ${(error as Error).message}`);
  }
  const hint = options.source ?? datasetKeyOf(file);
  const hash = createHash('sha256');
  const layout = await detectLayout(file);
  const records = layout === 'jsonl' ? jsonLines(file, hash) : layout === 'array' ? jsonArrayRecords(file, hash) : singleRecord(file, hash);
  const problems: EvalProblem[] = [];
  const seen = new Map<string, number>();
  const formats = new Set<'flowsteer' | 'native'>();
  try {
    for await (const raw of records) {
      const fail = (message: string): never => {
        throw new DatasetError(file, raw.line, message);
      };
      let json: unknown;
      try {
        json = JSON.parse(raw.text);
      } catch (error) {
        fail(`not valid JSON (${(error as Error).message})`);
      }
      if (json === null || typeof json !== 'object' || Array.isArray(json)) fail('a record must be a JSON object');
      let found: EvalProblem[];
      try {
        const native = nativeProblems(json as Record<string, unknown>, { hint, line: raw.line });
        formats.add(native === undefined ? 'flowsteer' : 'native');
        found = native ?? [flowSteerProblem(json, raw.line, hint, fail)];
      } catch (error) {
        if (error instanceof RecordRejected) fail(error.message);
        throw error;
      }
      for (const problem of found) {
        const earlier = seen.get(problem.id);
        if (earlier !== undefined) fail(`duplicate id "${problem.id}" (first on line ${earlier})`);
        seen.set(problem.id, raw.line);
        problems.push(problem);
      }
    }
  } catch (error) {
    if (error instanceof JsonStreamError) throw new DatasetError(file, error.line, error.message);
    throw error;
  }
  if (problems.length === 0) throw new DatasetError(file, 1, 'the file holds no records');
  return { file, sha256: hash.digest('hex'), problems, format: formats.size > 1 ? 'mixed' : formats.has('native') ? 'native' : 'flowsteer' };
}

/** Ground truths that say "no answer" (dropped from training sets, as in the reference). */
export function isUnanswerable(truth: string): boolean {
  const lower = truth.toLowerCase();
  if (['unanswerable', 'no answer', 'cannot be answered', 'not answerable', 'cannot answer', "can't be answered", 'no information', 'not mentioned', 'not provided', 'insufficient information', 'unknown'].some((p) => lower.includes(p))) return true;
  const bare = lower.replace(/[\p{P}\s]/gu, '');
  return truth !== '' && (bare === '' || bare === 'none' || bare === 'na');
}
