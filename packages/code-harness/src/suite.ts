import type { Sandbox, SandboxResult } from '@flowsteer/core';

/**
 * Building and reading unit-test programs for code tasks (HumanEval `check(candidate)` suites and
 * MBPP-style assert lists). The tests are run by the isolated sandbox's own harness, and the
 * verdict comes back signed on a channel the program cannot write: nothing the program prints,
 * and no way it exits, can make a test pass.
 */

/** The first line of every test-suite program: the sandbox's runner recognises a suite by it. */
export const SUITE_HEADER = '# flowsteer-test-suite v1\n';

export interface TestOutcome {
  readonly passed: boolean;
  readonly total: number;
  readonly failed: number;
  readonly errorType?: string;
  readonly error?: string;
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
