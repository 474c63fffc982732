import type { Sandbox } from '@flowsteer/core';
import { buildTestProgram, extractCode, inferEntryPoint, readTestOutcome } from '@flowsteer/operators-code';
import { DATASETS, type EvalProblem, type MetricName } from './datasets.js';
import { exactMatch, extractChoice, extractMathAnswer, extractQaAnswer, mathEqual, tokenF1 } from './metrics.js';

export interface Score {
  readonly metric: MetricName;
  /** In [0, 1]. */
  readonly score: number;
  readonly correct: boolean;
  readonly extracted: string;
  readonly detail?: string;
}

export interface ScoringOptions {
  /** Needed for pass@1: code is really run against the tests. */
  readonly sandbox?: Sandbox;
  readonly timeoutMs?: number;
  /** Reproduce the reference eval's code metric, which counted any "pass"/"PASS" substring (bug 13.6). */
  readonly evalCodePassSubstring?: boolean;
  readonly unitLetterStrip?: boolean;
  /** QA: F1 at or above this counts as correct. */
  readonly f1Threshold?: number;
}

const PROGRAM_OK = '__FLOWSTEER_PROGRAM_OK__';

export function metricFor(problem: EvalProblem): MetricName {
  const info = DATASETS[problem.source];
  if (info !== undefined) return info.metric;
  return problem.problemType === 'math' ? 'math' : problem.problemType === 'code' ? 'pass@1' : problem.problemType === 'mc' ? 'mc' : 'f1';
}

async function passAt1(problem: EvalProblem, prediction: string, options: ScoringOptions): Promise<Score> {
  const code = extractCode(prediction);
  if (options.evalCodePassSubstring === true) {
    const pass = prediction.toUpperCase().includes('PASS') || prediction.toLowerCase().includes('passed');
    return { metric: 'pass@1', score: pass ? 1 : 0, correct: pass, extracted: code, detail: 'reference substring check' };
  }
  if (code.trim() === '' || ['CODE_GENERATED', 'NO_CODE', 'EMPTY'].includes(code.trim())) return { metric: 'pass@1', score: 0, correct: false, extracted: code, detail: 'no code' };
  const sandbox = options.sandbox;
  if (sandbox === undefined) throw new Error('pass@1 needs a sandbox to run the tests');
  const timeoutMs = options.timeoutMs ?? 15_000;
  const tests = problem.test ?? '';
  const harness = DATASETS[problem.source]?.codeHarness ?? 'unit';
  if (harness === 'stdio') {
    let cases: { inputs: string[]; outputs: string[] };
    try {
      cases = JSON.parse(tests) as { inputs: string[]; outputs: string[] };
    } catch {
      return { metric: 'pass@1', score: 0, correct: false, extracted: code, detail: 'stdio tests are not JSON {inputs, outputs}' };
    }
    const normal = (s: string): string => s.trim().split('\n').map((l) => l.trimEnd()).join('\n');
    for (let i = 0; i < cases.inputs.length; i++) {
      const run = await sandbox.run({ code, stdin: cases.inputs[i] ?? '', timeoutMs });
      if (run.status !== 'ok' || normal(run.stdout) !== normal(cases.outputs[i] ?? '')) {
        return { metric: 'pass@1', score: 0, correct: false, extracted: code, detail: `case ${i + 1}: ${run.status === 'ok' ? `expected ${JSON.stringify(normal(cases.outputs[i] ?? ''))}, got ${JSON.stringify(normal(run.stdout))}` : `${run.status} ${run.errorType ?? ''}`}` };
      }
    }
    return { metric: 'pass@1', score: 1, correct: true, extracted: code };
  }
  if (harness === 'program') {
    const run = await sandbox.run({ code: `${code}\n\n${tests}\n\nprint(${JSON.stringify(PROGRAM_OK)})\n`, timeoutMs });
    const ok = run.status === 'ok' && run.stdout.includes(PROGRAM_OK);
    return { metric: 'pass@1', score: ok ? 1 : 0, correct: ok, extracted: code, ...(ok ? {} : { detail: `${run.status} ${run.errorType ?? ''}`.trim() }) };
  }
  const entry = problem.entryPoint ?? inferEntryPoint(tests);
  // HumanEval completions are often just the indented body: prepend the prompt, keeping indentation.
  const bodyOnly = problem.prompt !== undefined && entry !== undefined && !new RegExp(`def\\s+${entry}\\s*\\(`).test(code);
  const program = bodyOnly ? `${problem.prompt}${/```/.test(prediction) ? code : prediction.replace(/^\n+/, '')}` : code;
  const run = await sandbox.run({ code: buildTestProgram(program, tests, entry), timeoutMs });
  const outcome = readTestOutcome(run.stdout);
  const ok = run.status === 'ok' && outcome?.passed === true;
  return { metric: 'pass@1', score: ok ? 1 : 0, correct: ok, extracted: code, ...(ok ? {} : { detail: outcome?.error ?? `${run.status} ${run.errorType ?? ''}`.trim() }) };
}

/** Scores one prediction with the problem's metric. */
export async function scoreAnswer(problem: EvalProblem, prediction: string, options: ScoringOptions = {}, metric: MetricName = metricFor(problem)): Promise<Score> {
  switch (metric) {
    case 'math': {
      const extracted = extractMathAnswer(prediction);
      const truth = extractMathAnswer(problem.groundTruth);
      const ok = mathEqual(extracted, truth, { ...(options.unitLetterStrip === undefined ? {} : { unitLetterStrip: options.unitLetterStrip }) });
      return { metric, score: ok ? 1 : 0, correct: ok, extracted };
    }
    case 'f1': {
      const extracted = extractQaAnswer(prediction);
      const score = tokenF1(extracted, problem.groundTruth);
      return { metric, score, correct: score >= (options.f1Threshold ?? 0.5), extracted };
    }
    case 'em': {
      const extracted = extractQaAnswer(prediction);
      const score = exactMatch(extracted, problem.groundTruth);
      return { metric, score, correct: score === 1, extracted };
    }
    case 'mc': {
      const extracted = extractChoice(prediction) ?? '';
      const expected = extractChoice(problem.groundTruth) ?? problem.groundTruth.trim().toUpperCase();
      const ok = extracted !== '' && extracted === expected;
      return { metric, score: ok ? 1 : 0, correct: ok, extracted };
    }
    case 'pass@1':
      return passAt1(problem, prediction, options);
  }
}
