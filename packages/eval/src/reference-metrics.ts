import { setTokenF1, normalizeAnswer } from './metrics.js';
import { bracedAfter, mathEqual } from './math-strict.js';

/**
 * A reproduction of the FlowSteer reference evaluator's metrics (`eval_only.py`, vectorised mode),
 * including its known defects, so a run can be compared with the paper's table. Never use these
 * for training rewards: the math check calls `x-1` equal to `x+1`.
 */

/** First balanced `\boxed{…}` (the reference takes the first, not the last). */
function firstBoxed(text: string): string | undefined {
  return bracedAfter(text, text.indexOf('\\boxed'));
}

function preprocess(text: string): string {
  let s = (firstBoxed(text) ?? text).trim();
  // Right-hand side of the last `=` unless what follows is an identifier.
  const at = s.lastIndexOf('=');
  if (at !== -1 && !/^\s*[A-Za-z_]\w*\s*$/.test(s.slice(at + 1))) s = s.slice(at + 1).trim();
  return s.replace(/\*\*/g, '^');
}

/** The reference's lenient math check (tolerance 1e-3): SQuAD normalisation first, then digits only, then value. */
export function referenceMathEqual(prediction: string, truth: string): boolean {
  const p = preprocess(prediction);
  const t = preprocess(truth);
  if (p === '' || t === '') return false;
  // The defect: SQuAD normalisation deletes + - / ^ < > and brackets before anything else.
  if (normalizeAnswer(p) !== '' && normalizeAnswer(p) === normalizeAnswer(t)) return true;
  const digits = (s: string): number | undefined => {
    const kept = s.replace(/[^\d.-]/g, '');
    // Python float(): "72." and ".5" are numbers.
    if (!/^-?(?:\d+\.?\d*|\.\d+)$/.test(kept)) return undefined;
    return Number(kept);
  };
  const dp = digits(p);
  const dt = digits(t);
  if (dp !== undefined && dt !== undefined && (Math.abs(dp - dt) < 1e-3 || (dt !== 0 && Math.abs(dp - dt) / Math.abs(dt) < 0.01))) return true;
  // The rest of the cascade (symbolic, fractions, lists) is approximated by the strict comparator at 1e-3.
  return mathEqual(p, t, { tolerance: 1e-3 });
}

/** The reference's QA score: set-overlap F1 on the whole gold string (no alternatives); correct at ≥ 0.5. */
export function referenceQaScore(prediction: string, gold: string): { score: number; correct: boolean } {
  const score = setTokenF1(prediction, gold);
  return { score, correct: score >= 0.5 };
}

/** The reference's code check: any "PASS" or "passed" in the prediction counts (bug 13.6). */
export function referenceCodePassed(prediction: string): boolean {
  return prediction.toUpperCase().includes('PASS') || prediction.toLowerCase().includes('passed');
}
