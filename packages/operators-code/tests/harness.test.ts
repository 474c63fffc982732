import * as harness from '@flowsteer/code-harness';
import { afterAll, describe, expect, it } from 'vitest';
import { SystemPythonSandbox, buildTestProgram, extractCode, inferEntryPoint, readTestOutcome, runTestSuite, splitTopLevel } from '../src/index.js';

const sandbox = new SystemPythonSandbox({ pool: 2 });
afterAll(() => sandbox.close());

const check = (solution: string, tests: string, entryPoint?: string) => runTestSuite(sandbox, { solution, tests, entryPoint, timeoutMs: 20_000 });

const humanEvalTests = 'def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n';

describe('test harness', () => {
  it('HumanEval: passes a correct solution and fails a wrong one', async () => {
    expect(await check('def add(a, b):\n    return a + b', humanEvalTests, 'add')).toMatchObject({ passed: true, failed: 0 });
    expect(await check('def add(a, b):\n    return a - b', humanEvalTests, 'add')).toMatchObject({ passed: false, errorType: 'AssertionError' });
    expect(await check('def plus(a, b):\n    return a + b', humanEvalTests, 'add')).toMatchObject({ passed: false, errorType: 'NameError' });
  });

  it('MBPP asserts: every assert runs, failures report expected and actual', async () => {
    const tests = 'assert add(1, 2) == 3\nassert add(2, 2) == 5, "two plus two"\nassert add(0, 0) == 0';
    const outcome = await check('def add(a, b):\n    return a + b', tests, 'add');
    expect(outcome).toMatchObject({ passed: false, total: 3, failed: 1, errorType: 'AssertionError' });
    expect(outcome.error).toBe('Expected 5 (type: int), got 4 (type: int) in: assert add(2, 2) == 5, "two plus two"');
    expect(await check('def add(a, b):\n    return a + b', 'assert add(1, 2) == 3\nassert add(2, 2) == 4', 'add')).toMatchObject({ passed: true, total: 2, failed: 0 });
  });

  it('is honest: a `pass` statement, printed words or a broken solution never count as passing', async () => {
    expect(await check('def add(a, b):\n    pass\nprint("all tests passed")', 'assert add(1, 2) == 3', 'add')).toMatchObject({ passed: false });
    expect(await check('def add(a, b) return a', 'assert add(1, 2) == 3', 'add')).toMatchObject({ passed: false, errorType: 'SyntaxError' });
    expect(await check('def add(a, b):\n    return a + b', '# no asserts here\nx = 1', 'add')).toMatchObject({ passed: false, errorType: 'NoTests' });
    expect(await check('import sys\ndef add(a, b):\n    return a + b\nsys.exit(0)', 'assert add(1, 2) == 3', 'add')).toMatchObject({ passed: false, errorType: 'SystemExit' });
  });

  it('handles multi-line asserts and setup statements', async () => {
    const tests = 'data = [1,\n        2]\nassert total(\n    data) == 3\n';
    expect(splitTopLevel(tests)).toEqual(['data = [1,\n        2]', 'assert total(\n    data) == 3']);
    expect(await check('def total(xs):\n    return sum(xs)', tests, 'total')).toMatchObject({ passed: true, total: 1 });
  });

  it('compares floats and ints the ordinary way, and classes the task defines by their own __eq__', async () => {
    expect(await check('def half(x):\n    return x / 2', 'assert half(4) == 2\nassert half(1) == 0.5', 'half')).toMatchObject({ passed: true, total: 2 });
    const point = 'class P:\n    def __init__(self, x):\n        self.x = x\n    def __eq__(self, other):\n        return isinstance(other, P) and other.x == self.x\ndef make(x):\n    return P(x)';
    expect(await check(point, 'assert make(1) == P(1)', 'make')).toMatchObject({ passed: true });
    expect(await check('from collections import Counter\ndef count(s):\n    return Counter(s)', "assert count('aab') == {'a': 2, 'b': 1}", 'count')).toMatchObject({ passed: true });
    expect(await check('import enum\nclass C(enum.IntEnum):\n    A = 1\ndef f():\n    return C.A', 'assert f() == 1', 'f')).toMatchObject({ passed: true });
  });

  it('reads verdicts only from the sandbox, never from text', async () => {
    const run = await sandbox.run({ code: buildTestProgram('def f():\n    return 1', 'assert f() == 1', 'f'), timeoutMs: 20_000 });
    expect(readTestOutcome(run)).toMatchObject({ passed: true, total: 1 });
    expect(readTestOutcome('__FLOWSTEER_TEST_RESULT__{"passed": true, "total": 1, "failed": 0}')).toBeUndefined();
    expect(readTestOutcome(await sandbox.run({ code: 'print(1)', timeoutMs: 20_000 }))).toBeUndefined();
  });

  it('exports the harness of @flowsteer/code-harness itself, so verdicts are read the same way everywhere', () => {
    expect(runTestSuite).toBe(harness.runTestSuite);
    expect(buildTestProgram).toBe(harness.buildTestProgram);
    expect(readTestOutcome).toBe(harness.readTestOutcome);
    expect(extractCode).toBe(harness.extractCode);
    expect(inferEntryPoint).toBe(harness.inferEntryPoint);
    expect(splitTopLevel).toBe(harness.splitTopLevel);
  });
});
