import { randomBytes } from 'node:crypto';
import type { Sandbox } from '@flowsteer/core';
import { buildTestProgram, extractCode, inferEntryPoint, readTestOutcome } from '@flowsteer/operators-code';
import { appsOutputsMatch, appsValuesMatch } from './apps-compare.js';

/**
 * Benchmark-specific test programs. Each benchmark's harness is reproduced as published: HumanEval
 * runs prompt + completion + tests + `check(entry_point)` (3 s), MBPP runs its setup code, the
 * solution and its asserts (3 s), APPS runs every stdin case and compares stdout here in
 * TypeScript with APPS's own tolerant rules (4 s a case), APPS call-based problems call `fn_name`
 * on each input, DS-1000 runs its `code_context` with `test_execution(solution)` (120 s).
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
 * The program in an answer. Fenced blocks as operators-code reads them; unfenced text is kept
 * whole except leading and trailing prose sentences (operators-code's fallback drops every line
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

function outcomeReason(stdout: string, status: string, errorType: string | undefined): { passed: boolean; reason: string } {
  const outcome = readTestOutcome(stdout);
  if (status === 'ok' && outcome?.passed === true) return { passed: true, reason: `passed ${outcome.total} test${outcome.total === 1 ? '' : 's'}` };
  if (status !== 'ok') return { passed: false, reason: `${status}${errorType === undefined ? '' : ` ${errorType}`}` };
  return { passed: false, reason: outcome === undefined ? 'the test program did not report a result' : `${outcome.errorType ?? 'failed'}: ${outcome.error ?? ''}`.trim() };
}

/** HumanEval: prompt + completion (a whole function replaces the prompt's stub, keeping its imports). */
export function humanEvalProgram(prompt: string, prediction: string, entryPoint: string): string {
  const fenced = /```/.test(prediction);
  const code = fenced ? extractCode(prediction) : prediction.replace(/^\n+/, '');
  const wholeFunction = new RegExp(`^\\s*(?:async\\s+)?def\\s+${entryPoint}\\s*\\(`, 'm').test(code);
  // A body-only completion continues the prompt; a whole function follows it and redefines the stub.
  return wholeFunction ? `${prompt}\n    pass\n\n${fenced ? code : extractSolution(code)}\n` : `${prompt}${code}\n`;
}

export async function runHumanEval(sandbox: Sandbox, input: { prompt: string; prediction: string; test: string; entryPoint: string; timeoutMs?: number }): Promise<CodeVerdict> {
  const program = humanEvalProgram(input.prompt, input.prediction, input.entryPoint);
  const run = await sandbox.run({ code: buildTestProgram(program, input.test, input.entryPoint), timeoutMs: input.timeoutMs ?? BENCHMARK_TIMEOUTS_MS['humaneval'] as number });
  return { ...outcomeReason(run.stdout, run.status, run.errorType), extracted: program };
}

/** MBPP: `test_setup_code`, then the solution, then every assert of `test_list`. */
export async function runMbpp(sandbox: Sandbox, input: { prediction: string; tests: string; setup?: string; entryPoint?: string; timeoutMs?: number }): Promise<CodeVerdict> {
  const code = extractSolution(input.prediction);
  const solution = input.setup === undefined || input.setup.trim() === '' ? code : `${input.setup}\n${code}`;
  const entry = input.entryPoint ?? inferEntryPoint(input.tests);
  const run = await sandbox.run({ code: buildTestProgram(solution, input.tests, entry), timeoutMs: input.timeoutMs ?? BENCHMARK_TIMEOUTS_MS['mbpp'] as number });
  return { ...outcomeReason(run.stdout, run.status, run.errorType), extracted: code };
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

function pyLiteral(value: string): string {
  return JSON.stringify(value);
}

/**
 * APPS call-based problems: the program calls `fn_name` (a function, or a method of `Solution`)
 * on each input and prints the JSON results after a one-off marker; the comparison with the
 * expected outputs happens here. Until the sandbox isolates the harness from the solution, a
 * solution that finds the marker in the caller's frame could forge results (see the README).
 */
export function appsCallProgram(solution: string, fnName: string, inputs: readonly unknown[], marker: string): string {
  return String.raw`
import json as _json, sys as _sys
_ns = {'__name__': '__flowsteer_solution__'}
_prelude = 'import sys, math, itertools, collections, heapq, functools, random\nfrom typing import List, Tuple, Dict, Optional\nfrom collections import Counter, OrderedDict, deque, defaultdict\nfrom functools import lru_cache\nfrom itertools import accumulate, product, permutations, combinations\nfrom heapq import *\n'
_results = []
try:
    exec(compile(_prelude + ${pyLiteral(solution)}, '<solution>', 'exec'), _ns)
    _target = _ns['Solution']() if 'class Solution' in ${pyLiteral(solution)} else None
    _fn = getattr(_target, ${pyLiteral(fnName)}) if _target is not None else _ns[${pyLiteral(fnName)}]
except BaseException as _e:
    _fn = None
    _results = {'load_error': '%s: %s' % (type(_e).__name__, _e)}
if _fn is not None:
    for _args in _json.loads(${pyLiteral(JSON.stringify(inputs))}):
        try:
            _out = _fn(*_args)
            if isinstance(_out, tuple):
                _out = list(_out)
            _results.append({'ok': True, 'value': _json.loads(_json.dumps(_out, default=repr))})
        except BaseException as _e:
            _results.append({'ok': False, 'error': '%s: %s' % (type(_e).__name__, _e)})
_sys.stdout.write('\n' + ${pyLiteral(marker)} + _json.dumps(_results) + '\n')
`;
}

export async function runAppsCall(sandbox: Sandbox, input: { prediction: string; tests: AppsTests; timeoutMs?: number }): Promise<CodeVerdict> {
  const code = extractSolution(input.prediction);
  const fnName = input.tests.fn_name as string;
  const marker = `__FLOWSTEER_APPS_${randomBytes(12).toString('hex')}__`;
  const perCase = input.timeoutMs ?? (BENCHMARK_TIMEOUTS_MS['apps'] as number);
  const run = await sandbox.run({ code: appsCallProgram(code, fnName, input.tests.inputs, marker), timeoutMs: perCase * Math.max(1, input.tests.inputs.length) });
  if (run.status !== 'ok') return { passed: false, reason: `${run.status}${run.errorType === undefined ? '' : ` ${run.errorType}`}`, extracted: code };
  const at = run.stdout.lastIndexOf(marker);
  if (at === -1) return { passed: false, reason: 'the call harness did not report results', extracted: code };
  let results: unknown;
  try {
    results = JSON.parse(run.stdout.slice(at + marker.length).split('\n')[0] ?? '');
  } catch {
    return { passed: false, reason: 'the call harness printed unreadable results', extracted: code };
  }
  if (!Array.isArray(results)) return { passed: false, reason: `solution failed to load: ${String((results as { load_error?: string }).load_error)}`, extracted: code };
  if (results.length !== input.tests.inputs.length) return { passed: false, reason: `expected ${input.tests.inputs.length} results, got ${results.length}`, extracted: code };
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as { ok: boolean; value?: unknown; error?: string };
    if (!r.ok) return { passed: false, reason: `case ${i + 1}: ${r.error ?? 'error'}`, extracted: code };
    if (!appsValuesMatch(r.value, input.tests.outputs[i])) return { passed: false, reason: `case ${i + 1}: expected ${JSON.stringify(input.tests.outputs[i])}, got ${JSON.stringify(r.value)}`, extracted: code };
  }
  return { passed: true, reason: `passed ${results.length} call case${results.length === 1 ? '' : 's'} of ${fnName}`, extracted: code };
}

/** DS-1000: `code_context` defines `test_execution` (and maybe `test_string`), which run the solution on generated inputs. */
export function ds1000Program(codeContext: string, solution: string, marker: string): string {
  const calls = `    test_execution(code)\n${codeContext.includes('test_string(') ? '    test_string(code)\n' : ''}`;
  // Any exception, SystemExit included, is a failure; the marker must be the last line printed.
  return `${codeContext}\ncode = ${pyLiteral(solution)}\nimport sys as _sys\ntry:\n${calls}except BaseException as _e:\n    _sys.stdout.write('\\n__FLOWSTEER_DS1000_FAILED__ %s: %s\\n' % (type(_e).__name__, _e))\nelse:\n    _sys.stdout.write('\\n' + ${pyLiteral(marker)} + '\\n')\n`;
}

export async function runDs1000(sandbox: Sandbox, input: { prediction: string; codeContext: string; timeoutMs?: number }): Promise<CodeVerdict> {
  const code = ds1000Postprocess(input.prediction);
  const marker = `__FLOWSTEER_DS1000_${randomBytes(12).toString('hex')}__`;
  const run = await sandbox.run({ code: ds1000Program(input.codeContext, code, marker), timeoutMs: input.timeoutMs ?? (BENCHMARK_TIMEOUTS_MS['ds1000'] as number) });
  if (run.status !== 'ok') return { passed: false, reason: `${run.status}${run.errorType === undefined ? '' : ` ${run.errorType}`}: ${run.stderr.trim().split('\n').pop() ?? ''}`.trim(), extracted: code };
  const lines = run.stdout.split('\n').filter((line) => line.trim() !== '');
  const last = lines[lines.length - 1] ?? '';
  const passed = last === marker;
  const failure = last.startsWith('__FLOWSTEER_DS1000_FAILED__') ? last.slice('__FLOWSTEER_DS1000_FAILED__ '.length) : 'test_execution did not finish';
  return { passed, reason: passed ? 'test_execution passed' : failure, extracted: code };
}
