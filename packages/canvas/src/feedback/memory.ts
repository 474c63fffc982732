/** The episode memory shown in feedback: recent actions and the current execution error. */
import { truncate } from './values.js';

export interface MemoryAction {
  readonly round: number;
  readonly text: string;
  readonly failure?: string;
}

export interface MemoryError {
  readonly type: string;
  readonly message: string;
  readonly revisions: number;
}

export interface MemoryState {
  readonly actions: readonly MemoryAction[];
  readonly errors: readonly MemoryError[];
}

const SIMILAR_ERROR_KEYS = ['assertionerror', 'nameerror', 'typeerror', 'syntaxerror', 'indexerror', 'keyerror', 'valueerror', 'test_failed'];

const SIMILAR_ERROR_TYPES: Readonly<Record<string, string>> = {
  assertionerror: 'AssertionError', nameerror: 'NameError', typeerror: 'TypeError', syntaxerror: 'SyntaxError',
  indexerror: 'IndexError', keyerror: 'KeyError', valueerror: 'ValueError', test_failed: 'TestFailed',
};

/** Records an execution error; a repeat of the same kind counts as one more revision attempt. */
export function recordError(memory: MemoryState, message: string): MemoryState {
  const lower = message.toLowerCase();
  const key = SIMILAR_ERROR_KEYS.find((k) => lower.includes(k));
  const last = memory.errors[memory.errors.length - 1];
  if (last !== undefined && key !== undefined && last.message.toLowerCase().includes(key)) {
    return { ...memory, errors: [...memory.errors.slice(0, -1), { ...last, message, revisions: last.revisions + 1 }] };
  }
  const type = key === undefined ? 'ExecutionError' : (SIMILAR_ERROR_TYPES[key] ?? 'ExecutionError');
  return { ...memory, errors: [...memory.errors, { type, message, revisions: 0 }] };
}

export function memorySummary(memory: MemoryState): string {
  const lines: string[] = [];
  if (memory.actions.length > 0) {
    lines.push('[Previous Actions]:');
    for (const action of memory.actions.slice(-10)) {
      lines.push(`Step ${action.round}: ${action.text}${action.failure === undefined ? '' : ` [FAILED: ${action.failure}]`}`);
    }
  }
  const current = memory.errors[memory.errors.length - 1];
  if (current !== undefined) {
    lines.push(`[Current Error]: ${current.type}`, `[Error Message]: ${truncate(current.message, 200, '')}`);
    if (current.revisions > 0) lines.push(`[Revision Attempts]: ${current.revisions} (previous fixes didn't work)`);
    if (current.revisions >= 2) lines.push('[Suggestion]: Repeated fixes failed; try a different operator or restructure the workflow.');
  }
  if (memory.errors.length > 1) lines.push(`[Total Errors]: ${memory.errors.length} errors encountered`);
  return lines.join('\n');
}
