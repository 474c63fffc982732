import type { Sandbox, Scorer } from '@flowsteer/core';
import { metricFor, scoreAnswer, type EvalProblem, type MetricName, type ProblemType, type ScoringOptions } from '@flowsteer/eval';
import type { EnvTask } from './protocol.js';

/**
 * How answers are scored, as the eval package's metric modes: `strict` (the default) or
 * `official`. The `reference` mode reproduces the reference's eval, false positives included, so
 * it is never offered for rewards.
 */
export type ScoringMode = 'strict' | 'official';
export const SCORING_MODES: readonly ScoringMode[] = ['strict', 'official'];

export interface EpisodeScore {
  readonly correctness: number;
  readonly metric: MetricName;
  readonly extracted: string;
  readonly detail?: string;
}

/** Scores the final answer of an episode against its task. */
export interface EpisodeScorer {
  score(task: EnvTask, prediction: string, mode: ScoringMode): Promise<EpisodeScore>;
  close(): Promise<void>;
}

export function evalProblemOf(task: EnvTask): EvalProblem {
  const problemType: ProblemType = task.type === 'reasoning' ? 'qa' : (task.type as ProblemType);
  return {
    id: task.id ?? 'env',
    source: task.source ?? problemType,
    problemType,
    problem: task.problem,
    groundTruth: task.answer ?? '',
    answers: task.answer === undefined ? [] : [task.answer],
    ...(task.tests === undefined ? {} : { test: task.tests }),
    ...(task.entryPoint === undefined ? {} : { entryPoint: task.entryPoint }),
    ...(task.prompt === undefined ? {} : { prompt: task.prompt }),
  };
}

/**
 * The eval package's metrics. Code is really run (pass@1) in the sandbox, which is opened on the
 * first code task only, so math/QA training never starts one.
 */
export class EvalScorer implements EpisodeScorer {
  readonly #openSandbox: (() => Promise<Sandbox>) | undefined;
  readonly #openDs1000Sandbox: ScoringOptions['openDs1000Sandbox'];
  #sandbox: Promise<Sandbox> | undefined;

  /** `openDs1000Sandbox` opens a sandbox with numpy and pandas for each DS-1000 answer (closed after it), as in eval's scoring options. */
  constructor(options: { readonly sandbox?: () => Promise<Sandbox>; readonly openDs1000Sandbox?: ScoringOptions['openDs1000Sandbox'] } = {}) {
    this.#openSandbox = options.sandbox;
    this.#openDs1000Sandbox = options.openDs1000Sandbox;
  }

  async score(task: EnvTask, prediction: string, mode: ScoringMode): Promise<EpisodeScore> {
    const problem = evalProblemOf(task);
    const metric = metricFor(problem);
    const options: ScoringOptions = {
      mode,
      ...(metric === 'pass@1' && this.#openSandbox !== undefined ? { sandbox: await (this.#sandbox ??= this.#openSandbox()) } : {}),
      ...(metric === 'pass@1' && this.#openDs1000Sandbox !== undefined ? { openDs1000Sandbox: this.#openDs1000Sandbox } : {}),
    };
    const score = await scoreAnswer(problem, prediction, options, metric);
    return { correctness: score.score, metric, extracted: score.extracted, detail: score.reason };
  }

  async close(): Promise<void> {
    const sandbox = this.#sandbox;
    this.#sandbox = undefined;
    if (sandbox !== undefined) await (await sandbox).close();
  }
}

/**
 * The scorer config names (`scorer.use` other than `auto`): every task is scored by it, as eval
 * does. The reported metric stays the task's own; the detail names the scorer. It has no modes.
 */
export class SlotScorer implements EpisodeScorer {
  readonly #scorer: Scorer;

  constructor(scorer: Scorer) {
    this.#scorer = scorer;
  }

  async score(task: EnvTask, prediction: string): Promise<EpisodeScore> {
    const problem = evalProblemOf(task);
    const extras = { problemType: problem.problemType, source: problem.source, ...(problem.test === undefined ? {} : { test: problem.test }), ...(problem.entryPoint === undefined ? {} : { entryPoint: problem.entryPoint }) };
    const result = await this.#scorer.score({ prediction, reference: problem.groundTruth, extras });
    const details = result.details ?? {};
    const extracted = details['extracted'];
    const reason = details['reason'];
    return {
      correctness: Number.isFinite(result.value) ? Math.min(1, Math.max(0, result.value)) : 0,
      metric: metricFor(problem),
      extracted: typeof extracted === 'string' ? extracted : prediction,
      detail: typeof reason === 'string' ? reason : `scored by the ${this.#scorer.metric} scorer`,
    };
  }

  async close(): Promise<void> {}
}
