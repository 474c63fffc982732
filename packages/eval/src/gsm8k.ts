/**
 * GSM8K as the LM Evaluation Harness scores it: `strict-match` takes the number after `#### `,
 * `flexible-extract` the last number-like run; both sides then lose commas, `$`, everything up
 * to `#### ` and a trailing period, and compare as case-insensitive strings.
 */

const STRICT = /#### (-?[0-9.,]+)/;
const FLEXIBLE = /(-?[$0-9.,]{2,})|(-?[0-9]+)/g;

/** The harness's target/response clean-up before the string comparison. */
export function gsm8kClean(text: string): string {
  return text.replace(/,/g, '').replace(/\$/g, '').replace(/^[\s\S]*#### /, '').replace(/\.$/, '').toLowerCase();
}

export function gsm8kStrictExtract(response: string): string | undefined {
  return STRICT.exec(response)?.[1];
}

export function gsm8kFlexibleExtract(response: string): string | undefined {
  const matches = [...response.matchAll(FLEXIBLE)];
  const last = matches[matches.length - 1];
  return last === undefined ? undefined : (last[1] ?? last[2]);
}

/** The gold number of a GSM8K answer field (`… #### 72`). */
export function gsm8kTarget(answer: string): string {
  return gsm8kClean(answer).trim();
}

export interface Gsm8kScores {
  readonly strictMatch: boolean;
  readonly flexibleExtract: boolean;
  readonly strictExtracted: string | undefined;
  readonly flexibleExtracted: string | undefined;
}

/** Both lm-eval filters; an answer that extracts nothing scores 0 (the harness's "[invalid]"). */
export function gsm8kScores(response: string, answer: string): Gsm8kScores {
  const target = gsm8kTarget(answer);
  const strictExtracted = gsm8kStrictExtract(response);
  const flexibleExtracted = gsm8kFlexibleExtract(response);
  return {
    strictMatch: strictExtracted !== undefined && gsm8kClean(strictExtracted) === target,
    flexibleExtract: flexibleExtracted !== undefined && gsm8kClean(flexibleExtracted) === target,
    strictExtracted,
    flexibleExtracted,
  };
}
