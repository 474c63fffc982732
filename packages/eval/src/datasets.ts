import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import { FlowSteerError } from '@flowsteer/core';

export type ProblemType = 'math' | 'qa' | 'code' | 'mc';
export type MetricName = 'math' | 'f1' | 'em' | 'mc' | 'pass@1';

export interface DatasetInfo {
  readonly name: string;
  readonly split: 'iid' | 'ood';
  readonly problemType: ProblemType;
  /** The paper's headline metric for this benchmark. */
  readonly metric: MetricName;
  /** How code tests are run: asserts / `check(candidate)`, stdin→stdout cases, or a test program. */
  readonly codeHarness?: 'unit' | 'stdio' | 'program';
}

/** The 12 benchmarks of the FlowSteer evaluation. */
export const DATASETS: Readonly<Record<string, DatasetInfo>> = {
  gsm8k: { name: 'GSM8K', split: 'iid', problemType: 'math', metric: 'math' },
  math: { name: 'MATH', split: 'iid', problemType: 'math', metric: 'math' },
  hotpotqa: { name: 'HotpotQA', split: 'iid', problemType: 'qa', metric: 'f1' },
  squad_v2: { name: 'SQuAD v2', split: 'iid', problemType: 'qa', metric: 'f1' },
  mbpp: { name: 'MBPP', split: 'iid', problemType: 'code', metric: 'pass@1', codeHarness: 'unit' },
  humaneval: { name: 'HumanEval', split: 'iid', problemType: 'code', metric: 'pass@1', codeHarness: 'unit' },
  triviaqa: { name: 'TriviaQA', split: 'ood', problemType: 'qa', metric: 'f1' },
  nq: { name: 'NaturalQuestions', split: 'ood', problemType: 'qa', metric: 'f1' },
  mathqa: { name: 'MathQA', split: 'ood', problemType: 'mc', metric: 'mc' },
  aime2025: { name: 'AIME 2025', split: 'ood', problemType: 'math', metric: 'math' },
  apps: { name: 'APPS', split: 'ood', problemType: 'code', metric: 'pass@1', codeHarness: 'stdio' },
  ds1000: { name: 'DS-1000', split: 'ood', problemType: 'code', metric: 'pass@1', codeHarness: 'program' },
};

export interface EvalProblem {
  readonly id: string;
  readonly source: string;
  readonly problemType: ProblemType;
  readonly problem: string;
  readonly groundTruth: string;
  readonly test?: string;
  readonly entryPoint?: string;
  readonly prompt?: string;
}

/** A JSONL record in the FlowSteer-Dataset format (aliases accepted as the reference does). */
const RecordSchema = z
  .object({
    problem: z.string().min(1).optional(),
    question: z.string().min(1).optional(),
    ground_truth: z.union([z.string(), z.number(), z.array(z.string())]).optional(),
    answer: z.union([z.string(), z.number(), z.array(z.string())]).optional(),
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

/** The dataset key a file stands for: `data/eval/gsm8k.jsonl` → `gsm8k`. */
export function datasetKeyOf(file: string): string | undefined {
  const key = basename(file).replace(/\.jsonl?$/, '').toLowerCase();
  return key in DATASETS ? key : undefined;
}

export interface LoadedDataset {
  readonly file: string;
  readonly sha256: string;
  readonly problems: readonly EvalProblem[];
}

/**
 * Reads a FlowSteer-Dataset JSONL file. Every record needs a problem (`problem`/`question`) and
 * a ground truth (`ground_truth`/`answer`); code records need `meta.test`. The dataset comes from
 * the record's `source`/`dataset`, else the file name. Errors name the file, line and field.
 */
export async function loadDataset(file: string, options: { source?: string } = {}): Promise<LoadedDataset> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new DatasetError(file, 0, `cannot read: ${(error as Error).message}`);
  }
  const sha256 = createHash('sha256').update(text).digest('hex');
  const fallbackSource = options.source ?? datasetKeyOf(file);
  const problems: EvalProblem[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new DatasetError(file, line, 'not valid JSON');
    }
    const parsed = RecordSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DatasetError(file, line, `field "${issue?.path.join('.') ?? '?'}": ${issue?.message ?? 'invalid'}`);
    }
    const record = parsed.data;
    const problem = record.problem ?? record.question;
    if (problem === undefined) throw new DatasetError(file, line, 'missing "problem" (or "question")');
    const truth = record.ground_truth ?? record.answer;
    if (truth === undefined) throw new DatasetError(file, line, 'missing "ground_truth" (or "answer")');
    const source = (record.source ?? record.dataset ?? fallbackSource)?.toLowerCase();
    if (source === undefined) throw new DatasetError(file, line, `missing "source", and the file name is not one of ${Object.keys(DATASETS).join(', ')}`);
    const info = DATASETS[source];
    const problemType: ProblemType =
      record.problem_type === 'mathqa_mc' ? 'mc' : record.problem_type === 'reasoning' ? (info?.problemType ?? 'qa') : (record.problem_type ?? info?.problemType ?? 'qa');
    if (problemType === 'code' && (record.meta?.test === undefined || record.meta.test.trim() === '')) {
      throw new DatasetError(file, line, 'code records need "meta.test"');
    }
    const id = String(record.id ?? record.meta?.task_id ?? `${source}-${line}`);
    if (seen.has(id)) throw new DatasetError(file, line, `duplicate id "${id}"`);
    seen.add(id);
    problems.push({
      id,
      source,
      problemType,
      problem,
      groundTruth: Array.isArray(truth) ? truth.join('|') : String(truth),
      ...(record.meta?.test === undefined ? {} : { test: record.meta.test }),
      ...(record.meta?.entry_point === undefined ? {} : { entryPoint: record.meta.entry_point }),
      ...(record.meta?.prompt === undefined ? {} : { prompt: record.meta.prompt }),
    });
  });
  return { file, sha256, problems };
}

/** Ground truths that say "no answer" (dropped from training sets, as in the reference). */
export function isUnanswerable(truth: string): boolean {
  const lower = truth.toLowerCase();
  if (['unanswerable', 'no answer', 'cannot be answered', 'not answerable', 'cannot answer', "can't be answered", 'no information', 'not mentioned', 'not provided', 'insufficient information', 'unknown'].some((p) => lower.includes(p))) return true;
  const bare = lower.replace(/[\p{P}\s]/gu, '');
  return truth !== '' && (bare === '' || bare === 'none' || bare === 'na');
}
