import type { Sandbox } from '@flowsteer/core';
import { runAppsCall, runAppsStdio, runDs1000, runDs1000Record, runHumanEval, runMbpp, type AppsTests, type CodeVerdict } from './code-harness.js';
import { DATASETS, type EvalProblem, type MetricName } from './datasets.js';
import { gsm8kScores, gsm8kTarget } from './gsm8k.js';
import { hendrycksAnswer, hendrycksEquiv } from './math-hendrycks.js';
import { extractMathAnswer, lastBoxed, mathEqual } from './math-strict.js';
import { extractChoice, extractQaAnswer, normalizeAnswer } from './metrics.js';
import type { MetricMode } from './modes.js';
import { genericQaScore, hotpotScore, isNoAnswerStatement, nqOpenScore, squadV2Score, triviaScore, type QaScore } from './qa-official.js';
import { referenceCodePassed, referenceMathEqual, referenceQaScore } from './reference-metrics.js';

export interface Score {
  readonly metric: MetricName;
  readonly mode: MetricMode;
  /** The headline score in [0, 1] (F1 for SQuAD/HotpotQA/TriviaQA, EM for NQ, else 0/1). */
  readonly score: number;
  readonly correct: boolean;
  readonly extracted: string;
  /** Why the scorer decided so, in a few words. */
  readonly reason: string;
  /** QA: exact match and F1, always together. */
  readonly em?: number;
  readonly f1?: number;
  /** Other views a benchmark publishes (GSM8K strict-match and flexible-extract). */
  readonly variants?: Readonly<Record<string, number>>;
}

export interface ScoringOptions {
  /** Default `strict`. */
  readonly mode?: MetricMode;
  /** Needed for pass@1: code is really run against the tests. */
  readonly sandbox?: Sandbox;
  /**
   * Where DS-1000 answers run (they need numpy and pandas). Without it, `openDs1000Sandbox` is
   * called; without both, `sandbox` itself is used, and the plain isolated one (id
   * `system-python`, which has neither library) is refused with an error naming these options.
   */
  readonly ds1000Sandbox?: Sandbox;
  /**
   * Opens a sandbox with numpy and pandas for one DS-1000 answer; it is closed after the answer
   * is scored. For example `() => new SystemPythonSandbox({ preload: ['numpy', 'pandas'], pool: 0 })`
   * from `@flowsteer/operators-code`, or the `system-python-numpy` entry of a sandbox registry.
   */
  readonly openDs1000Sandbox?: () => Sandbox | Promise<Sandbox>;
  /** Overrides the benchmark's own timeout (HumanEval/MBPP 3 s, APPS 4 s a case, DS-1000 120 s). */
  readonly timeoutMs?: number;
}

export function metricFor(problem: EvalProblem): MetricName {
  const info = DATASETS[problem.source];
  if (info !== undefined) return info.metric;
  return problem.problemType === 'math' ? 'math' : problem.problemType === 'code' ? 'pass@1' : problem.problemType === 'mc' ? 'mc' : 'f1';
}

const binary = (metric: MetricName, mode: MetricMode, ok: boolean, extracted: string, reason: string, variants?: Record<string, number>): Score => ({ metric, mode, score: ok ? 1 : 0, correct: ok, extracted, reason, ...(variants === undefined ? {} : { variants }) });

function mathScore(problem: EvalProblem, prediction: string, mode: MetricMode): Score {
  const gold = problem.groundTruth;
  if (problem.source === 'gsm8k') {
    const official = gsm8kScores(prediction, gold);
    const variants = { 'strict-match': official.strictMatch ? 1 : 0, 'flexible-extract': official.flexibleExtract ? 1 : 0 };
    if (mode === 'official') return binary('math', mode, official.flexibleExtract, official.flexibleExtracted ?? '', official.flexibleExtract ? 'flexible-extract matches the #### answer' : `flexible-extract found ${JSON.stringify(official.flexibleExtracted ?? null)}, gold ${gsm8kTarget(gold)}`, variants);
    const extracted = extractMathAnswer(prediction);
    const ok = mathEqual(extracted, gsm8kTarget(gold));
    return binary('math', mode, ok, extracted, ok ? 'equal in value to the #### answer' : `${JSON.stringify(extracted)} is not ${gsm8kTarget(gold)}`, variants);
  }
  if (problem.source === 'aime2025') {
    const truth = Number.parseInt(gold.trim(), 10);
    if (mode === 'official') {
      const boxed = lastBoxed(prediction);
      const candidate = boxed ?? [...prediction.matchAll(/-?\d+/g)].pop()?.[0] ?? '';
      const ok = /^\s*0*\d{1,3}\s*$/.test(candidate) && Number.parseInt(candidate, 10) === truth;
      return binary('math', mode, ok, candidate, ok ? 'the integer answer matches' : `integer answer ${JSON.stringify(candidate)} is not ${truth}`);
    }
    const extracted = extractMathAnswer(prediction);
    const ok = mathEqual(extracted, String(truth));
    return binary('math', mode, ok, extracted, ok ? 'equal to the integer answer' : `${JSON.stringify(extracted)} is not ${truth}`);
  }
  // MATH (and math of no known benchmark): the last \boxed{} and MATH's is_equiv.
  const goldAnswer = hendrycksAnswer(gold) ?? extractMathAnswer(gold);
  const officialAnswer = hendrycksAnswer(prediction);
  const officialOk = officialAnswer !== undefined && hendrycksEquiv(officialAnswer, goldAnswer);
  if (mode === 'official') return binary('math', mode, officialOk, officialAnswer ?? '', officialAnswer === undefined ? 'no \\boxed{} answer' : officialOk ? 'is_equiv after MATH normalisation' : `${JSON.stringify(officialAnswer)} is not ${JSON.stringify(goldAnswer)} after MATH normalisation`);
  const extracted = extractMathAnswer(prediction);
  const ok = officialOk || mathEqual(extracted, goldAnswer);
  return binary('math', mode, ok, extracted, officialOk ? 'is_equiv after MATH normalisation' : ok ? 'equal in value' : `${JSON.stringify(extracted)} is not equivalent to ${JSON.stringify(goldAnswer)}`);
}

function choiceScore(problem: EvalProblem, prediction: string, mode: MetricMode): Score {
  const expected = extractChoice(problem.groundTruth) ?? problem.groundTruth.trim().toUpperCase();
  const extracted = extractChoice(prediction) ?? '';
  const ok = extracted !== '' && extracted === expected;
  return binary('mc', mode, ok, extracted, extracted === '' ? 'no option letter found' : ok ? `option ${extracted}` : `option ${extracted}, gold ${expected}`);
}

function qaScore(problem: EvalProblem, prediction: string, mode: MetricMode, metric: MetricName): Score {
  let answer = mode === 'official' ? prediction : extractQaAnswer(prediction);
  if (mode === 'strict' && problem.source === 'squad_v2' && isNoAnswerStatement(answer)) answer = '';
  let result: QaScore;
  let headline: 'em' | 'f1' = metric === 'em' ? 'em' : 'f1';
  switch (problem.source) {
    case 'squad_v2':
      result = squadV2Score(answer, problem.answers);
      break;
    case 'hotpotqa':
      result = hotpotScore(answer, problem.answers[0] ?? problem.groundTruth);
      break;
    case 'triviaqa':
      result = triviaScore(answer, problem.answers);
      break;
    case 'nq':
      result = nqOpenScore(answer, problem.answers);
      headline = 'em';
      break;
    default:
      result = genericQaScore(answer, problem.answers.length === 0 ? [problem.groundTruth] : problem.answers);
  }
  const score = headline === 'em' ? result.em : result.f1;
  const special = problem.source === 'hotpotqa' && [answer, problem.answers[0] ?? ''].some((t) => ['yes', 'no', 'noanswer'].includes(normalizeAnswer(t)));
  const reason = result.em === 1 ? `exact match with ${JSON.stringify(result.matched)}` : result.f1 > 0 ? `F1 ${result.f1.toFixed(3)} against ${JSON.stringify(result.matched)}` : special ? 'HotpotQA gives yes/no/noanswer credit only for the same word' : 'no overlap with any gold answer';
  return { metric: headline === 'em' ? 'em' : 'f1', mode, score, correct: result.em === 1, extracted: answer, reason, em: result.em, f1: result.f1 };
}

async function codeScore(problem: EvalProblem, prediction: string, options: ScoringOptions, mode: MetricMode): Promise<Score> {
  const sandbox = options.sandbox;
  if (sandbox === undefined) throw new Error('pass@1 needs a sandbox to run the tests');
  if (prediction.trim() === '' || ['CODE_GENERATED', 'NO_CODE', 'EMPTY'].includes(prediction.trim())) return binary('pass@1', mode, false, '', 'no code');
  const harness = DATASETS[problem.source]?.codeHarness;
  const timeoutMs = options.timeoutMs;
  const timeout = timeoutMs === undefined ? {} : { timeoutMs };
  let verdict: CodeVerdict;
  if (harness === 'ds1000') {
    const codeContext = problem.codeContext;
    verdict = await withDs1000Sandbox(options, sandbox, (scientific) =>
      codeContext === undefined ? runDs1000Record(scientific, { prediction, test: problem.test ?? '', ...timeout }) : runDs1000(scientific, { prediction, codeContext, ...timeout }),
    );
  } else if (harness === 'apps') {
    let tests: AppsTests;
    const testsJson = problem.test ?? '';
    try {
      tests = JSON.parse(testsJson) as AppsTests;
    } catch {
      return binary('pass@1', mode, false, '', 'APPS tests are not JSON {inputs, outputs}');
    }
    if (!Array.isArray(tests.inputs) || !Array.isArray(tests.outputs) || tests.inputs.length !== tests.outputs.length) return binary('pass@1', mode, false, '', 'APPS tests need inputs and outputs of the same length');
    if (tests.inputs.length === 0) return binary('pass@1', mode, false, '', 'APPS tests have no cases');
    verdict = tests.fn_name === undefined ? await runAppsStdio(sandbox, { prediction, tests, ...timeout }) : await runAppsCall(sandbox, { prediction, tests, testsJson, ...timeout });
  } else if (harness === 'humaneval' && problem.entryPoint !== undefined) {
    verdict = await runHumanEval(sandbox, { prompt: problem.prompt ?? '', prediction, test: problem.test ?? '', entryPoint: problem.entryPoint, ...timeout });
  } else {
    verdict = await runMbpp(sandbox, { prediction, tests: problem.test ?? '', ...(problem.setup === undefined ? {} : { setup: problem.setup }), ...(problem.entryPoint === undefined ? {} : { entryPoint: problem.entryPoint }), ...timeout });
  }
  return binary('pass@1', mode, verdict.passed, verdict.extracted, verdict.reason);
}

/** DS-1000 needs numpy and pandas: the plain isolated sandbox is swapped for a scientific one for the call. */
async function withDs1000Sandbox(options: ScoringOptions, sandbox: Sandbox, score: (scientific: Sandbox) => Promise<CodeVerdict>): Promise<CodeVerdict> {
  if (options.ds1000Sandbox !== undefined) return score(options.ds1000Sandbox);
  const open = options.openDs1000Sandbox;
  if (open === undefined && sandbox.id === PLAIN_SANDBOX_ID) throw new Error(`DS-1000 needs numpy and pandas, which the plain ${PLAIN_SANDBOX_ID} sandbox does not have: pass ds1000Sandbox or openDs1000Sandbox in the scoring options`);
  if (open === undefined) return score(sandbox);
  const scientific = await open();
  try {
    return await score(scientific);
  } finally {
    await scientific.close();
  }
}

const PLAIN_SANDBOX_ID = 'system-python';

function referenceScore(problem: EvalProblem, prediction: string, metric: MetricName): Score {
  const mode: MetricMode = 'reference';
  const tag = 'reference (eval_only.py)';
  if (metric === 'pass@1') {
    const ok = referenceCodePassed(prediction);
    return binary(metric, mode, ok, prediction, `${tag}: ${ok ? 'the prediction contains PASS/passed' : 'no PASS/passed in the prediction'}`);
  }
  if (metric === 'f1' || metric === 'em') {
    const { score, correct } = referenceQaScore(prediction, problem.groundTruth);
    const em = normalizeAnswer(prediction) === normalizeAnswer(problem.groundTruth) ? 1 : 0;
    return { metric: 'f1', mode, score, correct, extracted: prediction, reason: `${tag}: set-overlap F1 ${score.toFixed(3)}`, em, f1: score };
  }
  // Math and MathQA go through the reference's lenient math check; a native GSM8K answer field is
  // reduced to its #### number first, as the reference's data files were.
  const ok = referenceMathEqual(prediction, problem.source === 'gsm8k' ? gsm8kTarget(problem.groundTruth) : problem.groundTruth);
  return binary(metric, mode, ok, prediction, `${tag}: lenient math check ${ok ? 'accepted' : 'rejected'}`);
}

/** Scores one prediction with the problem's benchmark scorer in the given mode (default strict). */
export async function scoreAnswer(problem: EvalProblem, prediction: string, options: ScoringOptions = {}, metric: MetricName = metricFor(problem)): Promise<Score> {
  const mode = options.mode ?? 'strict';
  if (mode === 'reference') return referenceScore(problem, prediction, metric);
  switch (metric) {
    case 'math':
      return mathScore(problem, prediction, mode);
    case 'mc':
      return choiceScore(problem, prediction, mode);
    case 'f1':
    case 'em':
      return qaScore(problem, prediction, mode, metric);
    case 'pass@1':
      return codeScore(problem, prediction, options, mode);
  }
}
