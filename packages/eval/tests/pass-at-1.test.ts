import { PyodideSandbox } from '@flowsteer/operators-code';
import { afterAll, describe, expect, it } from 'vitest';
import { scoreAnswer, type EvalProblem } from '../src/index.js';

const sandbox = new PyodideSandbox({ workers: 2 });
afterAll(() => sandbox.close());

const mbpp = (test: string, entryPoint?: string): EvalProblem => ({ id: 'm', source: 'mbpp', problemType: 'code', problem: 'p', groundTruth: 'g', answers: [], test, ...(entryPoint === undefined ? {} : { entryPoint }) });
const humaneval = (test: string, entryPoint: string, prompt: string): EvalProblem => ({ id: 'h', source: 'humaneval', problemType: 'code', problem: prompt, groundTruth: 'g', answers: [], test, entryPoint, prompt });
const apps = (inputs: string[], outputs: string[]): EvalProblem => ({ id: 'a', source: 'apps', problemType: 'code', problem: 'p', groundTruth: 'g', answers: [], test: JSON.stringify({ inputs, outputs }) });
const ds1000 = (test: string): EvalProblem => ({ id: 'd', source: 'ds1000', problemType: 'code', problem: 'p', groundTruth: 'g', answers: [], test });

const addTests = 'assert add(1, 2) == 3\nassert add(-1, 1) == 0';
const heTests = 'def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(0, 0) == 0\n';
const hePrompt = 'def add(a, b):\n    """Return a + b."""\n';

// [name, problem, prediction, passes?]
const cases: Array<[string, EvalProblem, string, boolean]> = [
  ['plain correct', mbpp(addTests, 'add'), 'def add(a, b):\n    return a + b', true],
  ['fenced correct', mbpp(addTests, 'add'), 'Here:\n```python\ndef add(a, b):\n    return a + b\n```', true],
  ['chatty then code', mbpp(addTests, 'add'), 'Sure, this works.\ndef add(a, b):\n    return b + a\nExplanation: commutative', true],
  ['wrong result', mbpp(addTests, 'add'), 'def add(a, b):\n    return a - b', false],
  ['pass statement only', mbpp(addTests, 'add'), 'def add(a, b):\n    pass', false],
  ['prints "PASSED"', mbpp(addTests, 'add'), 'print("ALL TESTS PASSED")\ndef add(a, b):\n    return 0', false],
  ['TEST_PASSED placeholder', mbpp(addTests, 'add'), 'TEST_PASSED', false],
  ['CODE_GENERATED placeholder', mbpp(addTests, 'add'), 'CODE_GENERATED', false],
  ['empty', mbpp(addTests, 'add'), '', false],
  ['syntax error', mbpp(addTests, 'add'), 'def add(a, b) return a + b', false],
  ['wrong name', mbpp(addTests, 'add'), 'def plus(a, b):\n    return a + b', false],
  ['raises', mbpp(addTests, 'add'), 'def add(a, b):\n    raise ValueError("no")', false],
  ['exits early with 0', mbpp(addTests, 'add'), 'import sys\ndef add(a, b):\n    return a + b\nsys.exit(0)', false],
  ['infinite loop', mbpp(addTests, 'add'), 'def add(a, b):\n    while True:\n        pass', false],
  ['loop at import time', mbpp(addTests, 'add'), 'while True:\n    pass', false],
  ['returns string', mbpp(addTests, 'add'), 'def add(a, b):\n    return str(a + b)', false],
  ['float result equals int', mbpp(addTests, 'add'), 'def add(a, b):\n    return float(a + b)', true],
  ['uses stdlib', mbpp(addTests, 'add'), 'import operator\ndef add(a, b):\n    return operator.add(a, b)', true],
  ['helper functions', mbpp(addTests, 'add'), 'def _h(x):\n    return x\ndef add(a, b):\n    return _h(a) + _h(b)', true],
  ['entry point inferred', mbpp(addTests), 'def add(a, b):\n    return a + b', true],
  ['asserts with messages', mbpp('assert add(2, 2) == 4, "2+2"\nassert add(0, 1) == 1, "0+1"', 'add'), 'def add(a, b):\n    return a + b', true],
  ['one of three fails', mbpp('assert add(1, 1) == 2\nassert add(2, 2) == 5\nassert add(3, 3) == 6', 'add'), 'def add(a, b):\n    return a + b', false],
  ['multi-line assert', mbpp('assert add(\n    1,\n    2) == 3', 'add'), 'def add(a, b):\n    return a + b', true],
  ['setup statements in tests', mbpp('pairs = [(1, 2, 3), (2, 3, 5)]\nfor a, b, c in pairs:\n    assert add(a, b) == c', 'add'), 'def add(a, b):\n    return a + b', true],
  ['no asserts in tests', mbpp('x = 1', 'add'), 'def add(a, b):\n    return a + b', false],
  ['tests use math import', mbpp('import math\nassert math.isclose(add(0.1, 0.2), 0.3)', 'add'), 'def add(a, b):\n    return a + b', true],
  ['solution shadows assert helper', mbpp(addTests, 'add'), 'def add(a, b):\n    return a + b\n_outcome = None', true],
  ['humaneval body only', humaneval(heTests, 'add', hePrompt), '    return a + b', true],
  ['humaneval full function', humaneval(heTests, 'add', hePrompt), 'def add(a, b):\n    return a + b', true],
  ['humaneval wrong', humaneval(heTests, 'add', hePrompt), 'def add(a, b):\n    return a * b', false],
  ['humaneval missing entry', humaneval(heTests, 'add', 'x = 1\n'), 'def plus(a, b):\n    return a + b', false],
  ['apps stdin/stdout', apps(['1 2\n', '10 -3\n'], ['3\n', '7\n']), 'a, b = map(int, input().split())\nprint(a + b)', true],
  ['apps trailing spaces ok', apps(['1 2\n'], ['3\n']), 'a, b = map(int, input().split())\nprint(str(a + b) + "  ")', true],
  ['apps wrong on second case', apps(['1 2\n', '10 -3\n'], ['3\n', '7\n']), 'print(3)', false],
  ['apps crashes on input', apps(['x\n'], ['1\n']), 'print(int(input()))', false],
  ['apps bad test json', apps([], []), 'print(1)', true],
  ['ds1000 program passes', ds1000('assert result == 6'), 'result = sum([1, 2, 3])', true],
  ['ds1000 program fails', ds1000('assert result == 6'), 'result = 5', false],
  ['ds1000 undefined name', ds1000('assert result == 6'), 'answer = 6', false],
  ['ds1000 prints marker itself', ds1000('assert result == 6'), 'print("__FLOWSTEER_PROGRAM_OK__")\nresult = 5', false],
  ['network blocked', mbpp(addTests, 'add'), 'import socket\ndef add(a, b):\n    return a + b', false],
];

describe('pass@1 really runs the tests', () => {
  it.each(cases)('%s', async (_name, problem, prediction, passes) => {
    const score = await scoreAnswer(problem, prediction, { sandbox, timeoutMs: 2_000 });
    expect(score.metric).toBe('pass@1');
    expect(score.correct).toBe(passes);
    expect(score.score).toBe(passes ? 1 : 0);
  });

  it('the reference substring check is available only in the reference mode (bug 13.6)', async () => {
    const quirk = await scoreAnswer(mbpp(addTests, 'add'), 'def add(a, b):\n    pass', { sandbox, mode: 'reference' });
    expect(quirk.reason).toContain('eval_only.py');
    expect(quirk.correct).toBe(true);
    const honest = await scoreAnswer(mbpp(addTests, 'add'), 'def add(a, b):\n    pass', { sandbox });
    expect(honest.correct).toBe(false);
  });
});
