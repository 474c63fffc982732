/** Reads a checker's verdict out of an execution result (reference `_detect_verification_success`). */
import { firstBlock } from '../parsing/tag-scanner.js';
import { ECMASCRIPT_SEMANTICS } from '../parsing/text-semantics.js';
import { truncate, type ExecutionValue } from './values.js';

export interface VerifyResult {
  readonly isCorrect: boolean;
  readonly confidence: string;
  readonly answer: string;
  readonly errorAnalysis?: string;
}

export interface VerificationSignal {
  readonly hint?: string;
  readonly verify?: VerifyResult;
}

const POSITIVE_PHRASES = ['is_correct>true', 'is_correct: true', 'verification: pass', 'verified: true', 'correct answer', 'answer is correct'];
const MAY_BE_CORRECT = '[HINT]: Verify suggests the answer may be correct. Consider adding Format to extract concise answer.';
const XML_VERDICT = /<is_correct>\s*(true|false)\s*<\/is_correct>/i;
const XML_CONFIDENCE = /<confidence>\s*(high|medium|low)\s*<\/confidence>/i;
const NUMERIC_CONFIDENCE = /confidence[:\s]*([0-9.]+)/i;
const NO_SIGNAL: VerificationSignal = Object.freeze({});

function truthy(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (value.trim().toLowerCase() === 'true') return true;
    if (value.trim().toLowerCase() === 'false') return false;
  }
  return undefined;
}

export function detectVerification(result: ExecutionValue | null | undefined, text: string): VerificationSignal {
  const lower = text.toLowerCase();
  if (lower.includes('test_passed')) return { hint: '[HINT]: Tests appear to pass. Consider adding Format and finishing.' };
  if (result !== null && result !== undefined && typeof result === 'object' && result['is_correct'] !== undefined && result['is_correct'] !== null) {
    const isCorrect = truthy(result['is_correct']) ?? Boolean(result['is_correct']);
    const verify: VerifyResult = {
      isCorrect,
      confidence: typeof result['confidence'] === 'string' ? result['confidence'] : 'unknown',
      answer: typeof result['answer'] === 'string' ? result['answer'] : '',
      ...(isCorrect ? {} : { errorAnalysis: typeof result['error_analysis'] === 'string' ? result['error_analysis'] : 'No error details provided' }),
    };
    return isCorrect ? { verify, hint: MAY_BE_CORRECT } : { verify };
  }
  if (lower.includes('is_correct') && lower.includes('true') && typeof result === 'object' && result !== null) return { hint: MAY_BE_CORRECT };
  const xml = XML_VERDICT.exec(text);
  if (xml !== null) {
    const isCorrect = (xml[1] as string).toLowerCase() === 'true';
    const confidence = XML_CONFIDENCE.exec(text)?.[1]?.toLowerCase() ?? 'unknown';
    const answer = firstBlock(text, '<answer>', '</answer>', true)?.inner.trim() ?? '';
    const analysis = errorAnalysis(text)?.trim();
    const verify: VerifyResult = { isCorrect, confidence, answer, ...(isCorrect ? {} : { errorAnalysis: truncate(analysis ?? 'No error details provided', 200, '') }) };
    return isCorrect ? { verify, hint: MAY_BE_CORRECT } : { verify };
  }
  if (POSITIVE_PHRASES.some((p) => lower.includes(p))) return { hint: '[HINT]: Verification indicates the answer is correct. Consider adding Format and finishing.' };
  const confidence = NUMERIC_CONFIDENCE.exec(text);
  if (confidence !== null) {
    const value = Number.parseFloat(confidence[1] as string);
    if (Number.isFinite(value) && value >= 0.9) return { hint: `[HINT]: High confidence (${Math.round(value * 100)}%). Consider adding Format and finishing.` };
  }
  return NO_SIGNAL;
}

/**
 * The reference's `\[Step 4\][^\n]*Error Analysis[^:]*:([\s\S]*)` (case-insensitive) without
 * backtracking: after the first "[Step 4]" of a line, the last "Error Analysis" on that line that
 * a ":" follows somewhere later; the capture is everything after that ":".
 */
function errorAnalysis(text: string): string | undefined {
  const folded = ECMASCRIPT_SEMANTICS.fold(text);
  const lastColon = folded.lastIndexOf(':');
  for (let at = folded.indexOf('[step 4]'); at >= 0 && lastColon >= 0; ) {
    const lineEnd = folded.indexOf('\n', at);
    const end = lineEnd < 0 ? folded.length : lineEnd;
    // A later "[Step 4]" on the same line sees a subset of the same candidates: one try per line.
    const limit = Math.min(end - 14, lastColon - 14);
    const found = limit >= at + 8 ? folded.lastIndexOf('error analysis', limit) : -1;
    if (found >= at + 8) return text.slice(folded.indexOf(':', found + 14) + 1);
    if (lineEnd < 0) return undefined;
    at = folded.indexOf('[step 4]', lineEnd);
  }
  return undefined;
}
