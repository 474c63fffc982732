import type { Sandbox, SandboxResult } from '@flowsteer/core';
import { SUITE_HEADER } from './isolated-runner-source.js';

/**
 * Building and reading unit-test programs for code tasks (HumanEval `check(candidate)` suites and
 * MBPP-style assert lists). The tests are run by the isolated sandbox's own harness, and the
 * verdict comes back signed on a channel the program cannot write: nothing the program prints,
 * and no way it exits, can make a test pass.
 */

export interface TestOutcome {
  readonly passed: boolean;
  readonly total: number;
  readonly failed: number;
  readonly errorType?: string;
  readonly error?: string;
}

const BUILTIN_CALLS = new Set(['len', 'str', 'int', 'float', 'abs', 'set', 'list', 'tuple', 'dict', 'sorted', 'round', 'sum', 'max', 'min', 'all', 'any', 'isinstance', 'type', 'bool', 'repr', 'math']);

/** The function the tests call, when no entry point is given (reference inference order). */
export function inferEntryPoint(tests: string): string | undefined {
  if (/def\s+check\s*\(\s*candidate\s*\)/.test(tests)) return 'candidate';
  const patterns = [/\b(task_func)\s*\(/, /candidate\s*=\s*([A-Za-z_]\w*)/, /result\s*=\s*([A-Za-z_]\w*)\s*\(/, /\bassert\b\s*\(?\s*([A-Za-z_]\w*)\s*\(/g, /self\.assert\w+\(\s*([A-Za-z_]\w*)\(/];
  for (const pattern of patterns) {
    for (const match of tests.matchAll(pattern.global ? pattern : new RegExp(pattern.source, 'g'))) {
      const name = match[1];
      if (name !== undefined && !BUILTIN_CALLS.has(name)) return name;
    }
  }
  return undefined;
}

/**
 * A test-suite request for the isolated sandbox's harness: it loads the solution, runs the tests
 * one by one (or `check(entry)`), and reports one verdict. Assert lines of the form
 * `assert X == Y` report both sides. As Python the text only raises, so a sandbox without the
 * harness can never mistake it for a passing program.
 */
export function buildTestProgram(solution: string, tests: string, entryPoint: string | undefined): string {
  const humanEval = /def\s+check\s*\(/.test(tests);
  const suite = { solution, statements: humanEval ? [tests] : splitTopLevel(tests), entryPoint: humanEval ? (entryPoint ?? 'candidate') : (entryPoint ?? null), humanEval };
  return `${SUITE_HEADER}raise RuntimeError('this test suite runs only in the isolated sandbox harness')\n# ${JSON.stringify(suite)}\n`;
}

/** Splits test source into top-level statements (a line at indent 0 starts a new one). */
export function splitTopLevel(source: string): string[] {
  const statements: string[] = [];
  for (const line of source.split('\n')) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const continuation = /^\s/.test(line) || /^[)\]}]/.test(line) || (statements.length > 0 && openBrackets(statements[statements.length - 1] as string) > 0);
    if (continuation && statements.length > 0) statements[statements.length - 1] += `\n${line}`;
    else statements.push(line);
  }
  return statements;
}

function openBrackets(text: string): number {
  let depth = 0;
  for (const ch of text.replace(/(["'])(?:\\.|(?!\1).)*\1/g, '')) {
    if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
  }
  return depth;
}

/**
 * The verdict of a suite built by buildTestProgram: only the one the sandbox authenticated
 * (`result.tests`). Text — stdout or anything else the program could write — is never a verdict,
 * so a bare string always reads as undefined.
 */
export function readTestOutcome(result: SandboxResult | string): TestOutcome | undefined {
  if (typeof result === 'string') return undefined;
  return result.tests;
}

export interface TestSuiteRequest {
  readonly solution: string;
  readonly tests: string;
  readonly entryPoint?: string | undefined;
  readonly timeoutMs: number;
}

/**
 * Runs a test suite in the sandbox and returns its verdict. A run that timed out, was killed,
 * forged its report or ended early fails, with the reason in `errorType`/`error`.
 */
export async function runTestSuite(sandbox: Sandbox, request: TestSuiteRequest, signal?: AbortSignal): Promise<TestOutcome> {
  const run = await sandbox.run({ code: buildTestProgram(request.solution, request.tests, request.entryPoint), timeoutMs: request.timeoutMs }, signal);
  const outcome = readTestOutcome(run);
  if (run.status === 'ok' && outcome !== undefined) return outcome;
  const errorType = run.status === 'timeout' ? 'Timeout' : (run.errorType ?? 'RunnerError');
  const detail = run.status === 'timeout' ? `tests did not finish within ${request.timeoutMs} ms` : run.stderr.trim().split('\n').slice(-3).join('\n') || `the sandbox returned no verdict (${run.status})`;
  return { passed: false, total: outcome?.total ?? 0, failed: Math.max(1, outcome?.failed ?? 1), errorType, error: detail.slice(-1500) };
}

const CODE_START = /^(from\s+\S+\s+import\s|import\s+\S|def\s+\w+\s*\(|class\s+\w+|@\w+|async\s+def\s)/;

/**
 * The Python program in an LLM answer: fenced python blocks (joined), else any fenced block,
 * else from the first code-looking line to the end, else the whole text.
 */
export function extractCode(text: string): string {
  const python = [...text.matchAll(/```(?:python|py)[^\n]*\n([\s\S]*?)```/gi)].map((m) => (m[1] ?? '').trim());
  if (python.length > 0) return python.join('\n\n');
  const generic = [...text.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim());
  if (generic.length > 0) return generic.sort((a, b) => b.length - a.length)[0] as string;
  const lines = text.split('\n');
  const start = lines.findIndex((line) => CODE_START.test(line.trim()));
  if (start >= 0) {
    const body = lines.slice(start);
    const stop = body.findIndex((line) => /^(Explanation|Notes?|This (code|function)|The (code|function))\b/.test(line.trim()));
    return (stop === -1 ? body : body.slice(0, stop)).join('\n').trim();
  }
  return text.trim();
}
