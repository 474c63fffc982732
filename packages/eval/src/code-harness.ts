import type { Sandbox } from '@flowsteer/core';
import { extractCode, inferEntryPoint, runTestSuite, type TestOutcome } from '@flowsteer/code-harness';
import { appsCallSuite } from './apps-call.js';
import { appsOutputsMatch } from './apps-compare.js';
import { ds1000Suite } from './ds1000-harness.js';

/**
 * Benchmark-specific test programs. Each benchmark's harness is reproduced as published: HumanEval
 * runs prompt + completion + tests + `check(entry_point)` (3 s), MBPP runs its setup code, the
 * solution and its asserts (3 s), APPS runs every stdin case and compares stdout here in
 * TypeScript with APPS's own tolerant rules (4 s a case), APPS call-based problems call `fn_name`
 * on each input, DS-1000 runs its `code_context` with `test_execution(solution)` (120 s).
 * Everything but APPS's stdin cases goes through code-harness's `runTestSuite`: the verdict is
 * the one the sandbox signed, so nothing a solution prints or how it exits can pass a test.
 */

export const BENCHMARK_TIMEOUTS_MS: Readonly<Record<string, number>> = { humaneval: 3_000, mbpp: 3_000, apps: 4_000, ds1000: 120_000 };

export interface CodeVerdict {
  readonly passed: boolean;
  readonly reason: string;
  readonly extracted: string;
}

const PROSE_LINE = /^[A-Z][A-Za-z'’]*[,:.!]?(?:\s+\S+)+$/;
const CODE_LIKE = /[=()[\]{}]|^(?:def|class|import|from|return|if|elif|else|for|while|with|try|except|finally|print|raise|assert|async|await|lambda|yield|global|nonlocal|pass|break|continue|del)\b|^[A-Z_][A-Z0-9_]*\s*=/;

function isProse(line: string): boolean {
  const t = line.trim().replace(/`[^`]*`/g, 'x');
  return t !== '' && PROSE_LINE.test(t) && !CODE_LIKE.test(t);
}

/**
 * The program in an answer. Fenced blocks as code-harness's `extractCode` reads them; unfenced text is kept
 * whole except leading and trailing prose sentences (`extractCode`'s fallback drops every line
 * before the first `def`/`import`, losing top-level assignments).
 */
export function extractSolution(text: string): string {
  if (/```/.test(text)) return extractCode(text);
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let start = 0;
  while (start < lines.length && (lines[start]?.trim() === '' || isProse(lines[start] as string))) start++;
  let end = lines.length;
  while (end > start && (lines[end - 1]?.trim() === '' || isProse(lines[end - 1] as string))) end--;
  return lines.slice(start, end).join('\n');
}

/** DS-1000's answer clean-up: the code between `<code>` and `</code>`, before `END SOLUTION`, without fences. */
export function ds1000Postprocess(text: string): string {
  let code = text;
  const fenced = /```(?:python|py)?[^\n]*\n([\s\S]*?)```/i.exec(code);
  if (fenced?.[1] !== undefined) code = fenced[1];
  const open = code.indexOf('<code>');
  if (open !== -1) code = code.slice(open + '<code>'.length);
  code = code.split('</code>')[0] as string;
  code = code.split(/\n?\s*END SOLUTION/)[0] as string;
  return code.replace(/```(?:python|py)?/g, '');
}

function verdictOf(outcome: TestOutcome, passedReason: string): { passed: boolean; reason: string } {
  if (outcome.passed) return { passed: true, reason: passedReason };
  const kind = outcome.errorType ?? 'failed';
  const detail = outcome.error?.trim() ?? '';
  // A bare `assert` failing in check() reports its type as its message: say it once.
  return { passed: false, reason: detail === '' || detail === kind ? kind : `${kind}: ${detail}` };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** HumanEval: prompt + completion (a whole function replaces the prompt's stub, keeping its imports). */
export function humanEvalProgram(prompt: string, prediction: string, entryPoint: string): string {
  const fenced = /```/.test(prediction);
  const code = fenced ? extractCode(prediction) : prediction.replace(/^\n+/, '');
  const wholeFunction = new RegExp(`^\\s*(?:async\\s+)?def\\s+${entryPoint}\\s*\\(`, 'm').test(code);
  const solution = fenced ? code : extractSolution(code);
  // With no prompt (a task that only names the function) the answer stands alone.
  if (prompt.trim() === '') return `${wholeFunction ? solution : code}\n`;
  // A body-only completion continues the prompt; a whole function follows it and redefines the stub.
  return wholeFunction ? `${prompt}\n    pass\n\n${solution}\n` : `${prompt}${code}\n`;
}

export async function runHumanEval(sandbox: Sandbox, input: { prompt: string; prediction: string; test: string; entryPoint: string; timeoutMs?: number }): Promise<CodeVerdict> {
  const program = humanEvalProgram(input.prompt, input.prediction, input.entryPoint);
  const outcome = await runTestSuite(sandbox, { solution: program, tests: input.test, entryPoint: input.entryPoint, timeoutMs: input.timeoutMs ?? (BENCHMARK_TIMEOUTS_MS['humaneval'] as number) });
  return { ...verdictOf(outcome, `check(${input.entryPoint}) passed`), extracted: program };
}

/** MBPP: `test_setup_code`, then the solution, then every assert of `test_list`. */
export async function runMbpp(sandbox: Sandbox, input: { prediction: string; tests: string; setup?: string; entryPoint?: string; timeoutMs?: number }): Promise<CodeVerdict> {
  const code = extractSolution(input.prediction);
  const solution = input.setup === undefined || input.setup.trim() === '' ? code : `${input.setup}\n${code}`;
  const entry = input.entryPoint ?? inferEntryPoint(input.tests);
  const outcome = await runTestSuite(sandbox, { solution, tests: input.tests, entryPoint: entry, timeoutMs: input.timeoutMs ?? (BENCHMARK_TIMEOUTS_MS['mbpp'] as number) });
  return { ...verdictOf(outcome, `passed ${plural(outcome.total, 'test')}`), extracted: code };
}

export interface AppsTests {
  readonly inputs: readonly unknown[];
  readonly outputs: readonly unknown[];
  readonly fn_name?: string;
}

/** APPS standard-input problems: each case runs alone; stdout is compared here, never by the solution. */
export async function runAppsStdio(sandbox: Sandbox, input: { prediction: string; tests: AppsTests; timeoutMs?: number }): Promise<CodeVerdict> {
  const code = extractSolution(input.prediction);
  const timeoutMs = input.timeoutMs ?? (BENCHMARK_TIMEOUTS_MS['apps'] as number);
  for (let i = 0; i < input.tests.inputs.length; i++) {
    const raw = input.tests.inputs[i];
    const stdin = Array.isArray(raw) ? raw.join('\n') : String(raw ?? '');
    const expectedRaw = input.tests.outputs[i];
    const expected = Array.isArray(expectedRaw) ? expectedRaw.map(String).join('\n') : String(expectedRaw ?? '');
    const run = await sandbox.run({ code, stdin, timeoutMs });
    if (run.status !== 'ok') return { passed: false, reason: `case ${i + 1} of ${input.tests.inputs.length}: ${run.status}${run.errorType === undefined ? '' : ` ${run.errorType}`}`, extracted: code };
    if (!appsOutputsMatch(run.stdout, expected)) return { passed: false, reason: `case ${i + 1} of ${input.tests.inputs.length}: expected ${JSON.stringify(expected.slice(0, 200))}, got ${JSON.stringify(run.stdout.slice(0, 200))}`, extracted: code };
  }
  return { passed: true, reason: `passed ${input.tests.inputs.length} stdin case${input.tests.inputs.length === 1 ? '' : 's'}`, extracted: code };
}

/**
 * APPS call-based problems: `fn_name` is called on every input inside the sandbox's test harness
 * (see apps-call.ts); `testsJson` is the problem's own JSON text, so numbers keep their digits.
 */
export async function runAppsCall(sandbox: Sandbox, input: { prediction: string; tests: AppsTests; testsJson: string; timeoutMs?: number }): Promise<CodeVerdict> {
  const code = extractSolution(input.prediction);
  const fnName = input.tests.fn_name as string;
  const perCase = input.timeoutMs ?? (BENCHMARK_TIMEOUTS_MS['apps'] as number);
  const suite = appsCallSuite(code, input.testsJson, fnName);
  const outcome = await runTestSuite(sandbox, { ...suite, timeoutMs: perCase * Math.max(1, input.tests.inputs.length) });
  return { ...verdictOf(outcome, `passed ${plural(input.tests.inputs.length, 'call case')} of ${fnName}`), extracted: code };
}

/**
 * DS-1000: `code_context` defines `test_execution` (and maybe `test_string`), which run the
 * solution on generated inputs (see ds1000-harness.ts). The sandbox must have numpy and pandas.
 */
export async function runDs1000(sandbox: Sandbox, input: { prediction: string; codeContext: string; timeoutMs?: number }): Promise<CodeVerdict> {
  const code = ds1000Postprocess(input.prediction);
  const outcome = await runTestSuite(sandbox, { ...ds1000Suite(input.codeContext, code), timeoutMs: input.timeoutMs ?? (BENCHMARK_TIMEOUTS_MS['ds1000'] as number) });
  return { ...verdictOf(outcome, 'test_execution passed'), extracted: code };
}

/** A DS-1000 record without `code_context` (FlowSteer-Dataset): its test program runs after the solution. */
export async function runDs1000Record(sandbox: Sandbox, input: { prediction: string; test: string; timeoutMs?: number }): Promise<CodeVerdict> {
  const code = extractSolution(input.prediction);
  const outcome = await runTestSuite(sandbox, { solution: code, tests: input.test, entryPoint: inferEntryPoint(input.test), timeoutMs: input.timeoutMs ?? (BENCHMARK_TIMEOUTS_MS['ds1000'] as number) });
  return { ...verdictOf(outcome, "the record's test program passed (no code_context: not the DS-1000 harness)"), extracted: code };
}
