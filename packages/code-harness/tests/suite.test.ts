import { spawn } from 'node:child_process';
import type { Sandbox, SandboxRequest, SandboxResult } from '@flowsteer/core';
import { describe, expect, it } from 'vitest';
import { SUITE_HEADER, buildTestProgram, readTestOutcome, runTestSuite, splitTopLevel } from '../src/index.js';

/** Plain `python3`, no harness and no isolation: what a sandbox that does not know test suites does. */
class PlainPython implements Sandbox {
  readonly id = 'plain-python';
  run(request: SandboxRequest): Promise<SandboxResult> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn('python3', ['-'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        const errorType = /^(\w+): /m.exec(stderr.split('\n').filter((l) => l !== '').at(-1) ?? '')?.[1];
        resolve({ status: code === 0 ? 'ok' : 'error', stdout, stderr, durationMs: Date.now() - started, ...(errorType === undefined ? {} : { errorType }) });
      });
      child.stdin.end(request.code);
    });
  }
  async close(): Promise<void> {}
}

/** A sandbox that always answers with the given result: the verdict must come from `tests` alone. */
const answering = (result: Omit<SandboxResult, 'durationMs'>): Sandbox => ({ id: 'answering', run: async () => ({ ...result, durationMs: 1 }), close: async () => undefined });

describe('test-suite programs', () => {
  it('start with the suite header and carry the solution, the statements and the entry point', () => {
    const program = buildTestProgram('def add(a, b):\n    return a + b', 'assert add(1, 2) == 3\nassert add(\n    2, 2) == 4', 'add');
    expect(program.startsWith(SUITE_HEADER)).toBe(true);
    const suite = JSON.parse(program.split('\n').find((line) => line.startsWith('# {'))?.slice(2) ?? 'null') as Record<string, unknown>;
    expect(suite).toEqual({ solution: 'def add(a, b):\n    return a + b', statements: ['assert add(1, 2) == 3', 'assert add(\n    2, 2) == 4'], entryPoint: 'add', humanEval: false });
    const humanEval = JSON.parse(buildTestProgram('x = 1', 'def check(candidate):\n    assert candidate(1)', undefined).split('\n').find((l) => l.startsWith('# {'))?.slice(2) ?? 'null') as Record<string, unknown>;
    expect(humanEval).toMatchObject({ entryPoint: 'candidate', humanEval: true });
  });

  it('splits tests into top-level statements', () => {
    expect(splitTopLevel('data = [1,\n        2]\n# note\n\nassert total(\n    data) == 3\n')).toEqual(['data = [1,\n        2]', 'assert total(\n    data) == 3']);
  });

  it('only raise when run by a Python without the harness, so they can never pass there', async () => {
    const outcome = await runTestSuite(new PlainPython(), { solution: 'def add(a, b):\n    return a + b\nprint("all tests passed")', tests: 'assert add(1, 2) == 3', entryPoint: 'add', timeoutMs: 20_000 });
    expect(outcome).toMatchObject({ passed: false, failed: 1, errorType: 'RuntimeError' });
    expect(outcome.error).toContain('this test suite runs only in the isolated sandbox harness');
  });
});

describe('runTestSuite verdicts', () => {
  const request = { solution: 'def f():\n    return 1', tests: 'assert f() == 1', entryPoint: 'f', timeoutMs: 3_000 };

  it('is the verdict the sandbox authenticated', async () => {
    expect(await runTestSuite(answering({ status: 'ok', stdout: '', stderr: '', tests: { passed: true, total: 1, failed: 0 } }), request)).toEqual({ passed: true, total: 1, failed: 0 });
  });

  it('never reads a verdict from text', async () => {
    const printed = answering({ status: 'ok', stdout: '__FLOWSTEER_TEST_RESULT__{"passed": true, "total": 1, "failed": 0}\nPASSED', stderr: '' });
    expect(await runTestSuite(printed, request)).toMatchObject({ passed: false, errorType: 'RunnerError', error: 'the sandbox returned no verdict (ok)' });
    expect(readTestOutcome('{"passed": true}')).toBeUndefined();
  });

  it('fails a run that timed out or was killed, saying why', async () => {
    expect(await runTestSuite(answering({ status: 'timeout', stdout: '', stderr: '' }), request)).toMatchObject({ passed: false, errorType: 'Timeout', error: 'tests did not finish within 3000 ms' });
    expect(await runTestSuite(answering({ status: 'killed', stdout: '', stderr: 'line 1\nKilled by signal 9\n', errorType: 'EarlyExit' }), request)).toMatchObject({ passed: false, errorType: 'EarlyExit', error: 'line 1\nKilled by signal 9' });
    // A verdict that came with a failed run does not pass either.
    expect(await runTestSuite(answering({ status: 'error', stdout: '', stderr: 'boom', errorType: 'ReportForged', tests: { passed: true, total: 2, failed: 0 } }), request)).toMatchObject({ passed: false, total: 2, failed: 1, errorType: 'ReportForged' });
  });
});
