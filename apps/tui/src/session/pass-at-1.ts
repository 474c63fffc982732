import type { Sandbox, Scorer } from '@flowsteer/core';
import { DATASETS, scoreAnswer, type EvalProblem, type ScoringOptions } from '@flowsteer/eval';

/** Scoring options that depend on the sandbox a call runs in (DS-1000's scientific sandbox). */
export type CodeScoringOptions = (sandbox: Sandbox) => Pick<ScoringOptions, 'openDs1000Sandbox'>;

/**
 * `pass@1` as a scorer: runs the prediction's code against `extras.test` (and `extras.entryPoint`)
 * in the sandbox `sandbox.use` names, scored as the benchmark in `extras.source` does (MBPP by
 * default). Each call opens its own sandbox and closes it, so nothing outlives a score.
 */
export function passAt1Scorer(openSandbox: () => Promise<Sandbox>, codeScoring: CodeScoringOptions = () => ({})): Scorer {
  return {
    metric: 'pass@1',
    async score(input) {
      const extras = input.extras ?? {};
      const text = (key: string): string | undefined => (typeof extras[key] === 'string' ? extras[key] : undefined);
      const source = text('source')?.toLowerCase();
      const test = text('test');
      const entryPoint = text('entryPoint');
      const problem: EvalProblem = {
        id: 'score',
        source: source !== undefined && source in DATASETS ? source : 'mbpp',
        problemType: 'code',
        problem: '',
        groundTruth: input.reference,
        answers: input.reference === '' ? [] : [input.reference],
        ...(test === undefined ? {} : { test }),
        ...(entryPoint === undefined ? {} : { entryPoint }),
      };
      const sandbox = await openSandbox();
      try {
        const scored = await scoreAnswer(problem, input.prediction, { sandbox, ...codeScoring(sandbox) }, 'pass@1');
        return { value: scored.score, correct: scored.correct, metric: 'pass@1', details: { extracted: scored.extracted, reason: scored.reason } };
      } finally {
        await sandbox.close();
      }
    },
  };
}
