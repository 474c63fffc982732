/** Execution values and the small text predicates every feedback block uses. */

/** What an execution produced: text, or a structured operator output. */
export type ExecutionValue = string | Readonly<Record<string, unknown>>;

export type ProblemType = 'math' | 'code' | 'qa' | 'reasoning' | 'mc' | 'mathqa_mc' | 'multiple_choice' | (string & {});

export const MC_TYPES: readonly string[] = ['mathqa_mc', 'mc', 'multiple_choice'];

export function isMultipleChoiceType(type: ProblemType): boolean {
  return MC_TYPES.includes(type);
}

/** The text of an execution value: a dict's `output` when present, else its JSON. */
export function executionText(value: ExecutionValue | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  const output = value['output'];
  if (output !== undefined && output !== null) return typeof output === 'string' ? output : JSON.stringify(output);
  return JSON.stringify(value);
}

/** Python truthiness of an execution value: null, "" and {} are "no result". */
export function hasExecutionResult(value: ExecutionValue | null | undefined): value is ExecutionValue {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return value !== '';
  return Object.keys(value).length > 0;
}

export function truncate(text: string, max: number, suffix = '...'): string {
  return text.length > max ? `${text.slice(0, max)}${suffix}` : text;
}

export const STEP_PHRASES: readonly string[] = ['Step ', 'To solve', 'Because', 'First,', 'The solution'];
const LONG_ANSWER_PHRASES: readonly string[] = [...STEP_PHRASES, '1. ', '2. '];

/** Finish rule 8: an answer that still looks like reasoning. */
export function looksLong(text: string): boolean {
  return text.length > 60 || text.includes('\n') || LONG_ANSWER_PHRASES.some((p) => text.includes(p));
}

/** The advisor's notion of a final-looking answer. */
export function isConcise(text: string): boolean {
  return text.length <= 50 && !text.includes('\n') && !STEP_PHRASES.some((p) => text.includes(p));
}

export const EXECUTION_ERROR_MARKERS: readonly string[] = ['ERROR', 'EXCEPTION', 'FAILED', 'TIMEOUT', 'WORKFLOW_ERROR'];
export const PROMPT_SET_ERROR_MARKERS: readonly string[] = [...EXECUTION_ERROR_MARKERS, 'NO CODE GENERATED', "FUNCTION 'SOLVE' NOT FOUND", 'PROHIBITED IMPORT', 'FORMAT ERROR'];

export function looksLikeExecutionError(text: string, markers: readonly string[] = EXECUTION_ERROR_MARKERS): boolean {
  const upper = text.toUpperCase();
  return markers.some((marker) => upper.includes(marker));
}
