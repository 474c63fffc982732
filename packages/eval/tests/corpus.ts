import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS, type EvalProblem } from '../src/index.js';

/** One labelled case of the metric corpus: what each mode must return for a prediction. */
export interface CorpusCase {
  readonly id: string;
  readonly benchmark: string;
  /** The rule of the benchmark's evaluation the case tests. */
  readonly rule: string;
  readonly prediction: string;
  readonly gold: string | readonly string[];
  /** 0/1, or [EM, F1] for QA. */
  readonly official?: number | readonly [number, number];
  readonly strict?: number | readonly [number, number];
  readonly reference?: number;
  readonly variants?: Readonly<Record<string, number>>;
  /** Code cases: the test material. */
  readonly test?: string;
  readonly prompt?: string;
  readonly entryPoint?: string;
  readonly setup?: string;
  readonly codeContext?: string;
}

export function readCorpus(name: string): CorpusCase[] {
  return readFileSync(join(import.meta.dirname, 'corpus', name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as CorpusCase);
}

export function problemOf(c: CorpusCase): EvalProblem {
  const answers = typeof c.gold === 'string' ? [c.gold] : [...c.gold];
  return {
    id: c.id,
    source: c.benchmark,
    problemType: DATASETS[c.benchmark]?.problemType ?? 'qa',
    problem: '',
    groundTruth: typeof c.gold === 'string' ? c.gold : (c.gold[0] ?? ''),
    answers,
    ...(c.test === undefined ? {} : { test: c.test }),
    ...(c.prompt === undefined ? {} : { prompt: c.prompt }),
    ...(c.entryPoint === undefined ? {} : { entryPoint: c.entryPoint }),
    ...(c.setup === undefined ? {} : { setup: c.setup }),
    ...(c.codeContext === undefined ? {} : { codeContext: c.codeContext }),
  };
}
