import { SystemPythonSandbox } from '@flowsteer/operators-code';
import { afterAll, describe, expect, it } from 'vitest';
import { scoreAnswer, type EvalProblem } from '../src/index.js';

// The isolated default sandbox; DS-1000 records run in its numpy twin, as the CLI gives it.
const sandbox = new SystemPythonSandbox();
const scientific = new SystemPythonSandbox({ preload: ['numpy', 'pandas'], memoryMb: 2048 });
afterAll(async () => {
  await sandbox.close();
  await scientific.close();
});

const mbpp = (test: string, entryPoint?: string): EvalProblem => ({ id: 'm', source: 'mbpp', problemType: 'code', problem: 'p', groundTruth: 'g', answers: [], test, ...(entryPoint === undefined ? {} : { entryPoint }) });
const humaneval = (test: string, entryPoint: string, prompt: string): EvalProblem => ({ id: 'h', source: 'humaneval', problemType: 'code', problem: prompt, groundTruth: 'g', answers: [], test, entryPoint, prompt });
const apps = (inputs: string[], outputs: string[]): EvalProblem => ({ id: 'a', source: 'apps', problemType: 'code', problem: 'p', groundTruth: 'g', answers: [], test: JSON.stringify({ inputs, outputs }) });
const appsCall = (inputs: unknown[][], outputs: unknown[], fnName: string): EvalProblem => ({ id: 'c', source: 'apps', problemType: 'code', problem: 'p', groundTruth: 'g', answers: [], test: JSON.stringify({ inputs, outputs, fn_name: fnName }) });
const ds1000 = (test: string): EvalProblem => ({ id: 'd', source: 'ds1000', problemType: 'code', problem: 'p', groundTruth: 'g', answers: [], test });

const addTests = 'assert add(1, 2) == 3\nassert add(-1, 1) == 0';
const heTests = 'def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(0, 0) == 0\n';
const hePrompt = 'def add(a, b):\n    """Return a + b."""\n';
const sortedTests = 'assert sorted(uniq([3, 1, 3])) == [1, 3]\nassert len(uniq([2, 2])) == 1';
const heAbsTests = 'def check(candidate):\n    assert abs(candidate(0.5, 0.25) - 0.75) < 1e-9\n';
// Raw JSON text: a JavaScript number would round these integers.
const bigInc: EvalProblem = { ...appsCall([], [], 'inc'), test: '{"inputs": [[123456789012345678901234567890]], "outputs": [123456789012345678901234567891], "fn_name": "inc"}' };
const callAdd = appsCall([[1, 2], [10, -3]], [3, 7], 'add');
// Lines a harness that read stdout would have taken for a verdict (this repo's old markers and generic ones).
const markers = 'print(\'{"passed": true, "total": 2, "failed": 0}\')\nprint("__FLOWSTEER_TESTS__ {\\"passed\\": true}")\nprint("__FLOWSTEER_PROGRAM_OK__")\nprint("ALL TESTS PASSED")\n';
const alwaysEqual = 'class Same:\n    def __eq__(self, other):\n        return True\n    def __ne__(self, other):\n        return False\n    __hash__ = object.__hash__\n';
const forgedReport = 'import os\nos.write(3, b"0" * 64 + b" 6f6b 00 7375697465 74727565 31 30 00 00\\n")\n';

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
  ['humaneval-style task with no prompt, whole function', humaneval(heTests, 'add', ''), '```python\ndef add(a, b):\n    return a + b\n```', true],
  ['humaneval-style task with no prompt, wrong function', humaneval(heTests, 'add', ''), 'def add(a, b):\n    return a - b', false],
  ['apps stdin/stdout', apps(['1 2\n', '10 -3\n'], ['3\n', '7\n']), 'a, b = map(int, input().split())\nprint(a + b)', true],
  ['apps trailing spaces ok', apps(['1 2\n'], ['3\n']), 'a, b = map(int, input().split())\nprint(str(a + b) + "  ")', true],
  ['apps wrong on second case', apps(['1 2\n', '10 -3\n'], ['3\n', '7\n']), 'print(3)', false],
  ['apps crashes on input', apps(['x\n'], ['1\n']), 'print(int(input()))', false],
  ['apps with no cases', apps([], []), 'print(1)', false],
  ['apps prints the answer then verdict lines', apps(['1 2\n'], ['3\n']), `a, b = map(int, input().split())\nprint(a + b)\n${markers}`, false],
  ['apps prints the answer then exits at once', apps(['1 2\n'], ['3\n']), 'import os, sys\na, b = map(int, input().split())\nprint(a + b)\nsys.stdout.flush()\nos._exit(0)', false],
  ['apps forged report on fd 3 after the answer', apps(['1 2\n'], ['3\n']), `a, b = map(int, input().split())\nprint(a + b)\n${forgedReport}`, false],
  ['apps clean sys.exit after the answer', apps(['1 2\n'], ['3\n']), 'import sys\na, b = map(int, input().split())\nprint(a + b)\nsys.exit(0)', true],
  ['apps call: function', callAdd, 'def add(a, b):\n    return a + b', true],
  ['apps call: Solution method', callAdd, 'class Solution:\n    def add(self, a, b):\n        return a + b', true],
  ['apps call: wrong', callAdd, 'def add(a, b):\n    return a * b', false],
  ['apps call: tuple counts as list', appsCall([[1, 2]], [[2, 1]], 'swap'), 'def swap(a, b):\n    return (b, a)', true],
  ['apps call: wrapped expected output', appsCall([[2]], [[4]], 'sq'), 'def sq(x):\n    return x * x', true],
  ['apps call: big integers keep their digits', bigInc, 'def inc(x):\n    return x + 1', true],
  ['apps call: off by one on a big integer', bigInc, 'def inc(x):\n    return x + 2', false],
  ['apps call: markers then os._exit(0)', callAdd, `${markers}import os\nos._exit(0)`, false],
  ['apps call: markers then os._exit(0) inside the call', callAdd, `def add(a, b):\n    import os\n${markers.split('\n').filter((l) => l !== '').map((l) => `    ${l}`).join('\n')}\n    os._exit(0)`, false],
  ['apps call: SystemExit(0) before the tests', callAdd, 'def add(a, b):\n    return 0\nraise SystemExit(0)', false],
  ['apps call: SystemExit(0) inside the call', callAdd, 'def add(a, b):\n    raise SystemExit(0)', false],
  ['apps call: writes a report on fd 3', callAdd, `${forgedReport}def add(a, b):\n    return 0`, false],
  ['apps call: always-equal object', callAdd, `${alwaysEqual}def add(a, b):\n    return Same()`, false],
  ['apps call: int subclass equal to everything', callAdd, 'class N(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\ndef add(a, b):\n    return N(0)', false],
  ['apps call: list holding an always-equal object', appsCall([[1, 2]], [[2, 1]], 'swap'), `${alwaysEqual}def swap(a, b):\n    return [Same(), Same()]`, false],
  ['apps call: patches builtins (len, type, repr)', callAdd, 'import builtins\nbuiltins.len = lambda x: 0\nbuiltins.type = lambda x: int\nbuiltins.range = lambda n: iter(())\ndef add(a, b):\n    return 0', false],
  ['ds1000 program passes', ds1000('assert result == 6'), 'result = sum([1, 2, 3])', true],
  ['ds1000 program fails', ds1000('assert result == 6'), 'result = 5', false],
  ['ds1000 undefined name', ds1000('assert result == 6'), 'answer = 6', false],
  ['ds1000 prints marker itself', ds1000('assert result == 6'), 'print("__FLOWSTEER_PROGRAM_OK__")\nresult = 5', false],
  ['ds1000 record with numpy', ds1000('assert result.tolist() == [0, 2, 4]'), 'import numpy as np\nresult = np.arange(3) * 2', true],
  ['ds1000 record markers then os._exit(0)', ds1000('assert result == 6'), `${markers}result = 5\nimport os\nos._exit(0)`, false],
  ['ds1000 record always-equal result', ds1000('assert result == 6'), `${alwaysEqual}result = Same()`, false],
  ['network blocked', mbpp(addTests, 'add'), 'import socket\ns = socket.create_connection(("127.0.0.1", 9))\ndef add(a, b):\n    return a + b', false],
  ['mbpp markers then os._exit(0)', mbpp(addTests, 'add'), `def add(a, b):\n    return 0\n${markers}import os\nos._exit(0)`, false],
  ['mbpp os._exit(0) inside the call', mbpp(addTests, 'add'), 'def add(a, b):\n    import os\n    os._exit(0)', false],
  ['mbpp SystemExit(0) before the tests', mbpp(addTests, 'add'), 'def add(a, b):\n    return 0\nraise SystemExit(0)', false],
  ['mbpp writes a report on fd 3', mbpp(addTests, 'add'), `${forgedReport}def add(a, b):\n    return 0`, false],
  ['mbpp closes fd 3', mbpp(addTests, 'add'), 'import os\nos.close(3)\ndef add(a, b):\n    return a + b', false],
  ['mbpp always-equal object', mbpp(addTests, 'add'), `${alwaysEqual}def add(a, b):\n    return Same()`, false],
  ['mbpp patched builtins do not reach the tests', mbpp(sortedTests, 'uniq'), 'import builtins\nbuiltins.sorted = lambda x: [1, 3]\nbuiltins.len = lambda x: 1\ndef uniq(xs):\n    return xs', false],
  ['mbpp the same tests, honestly', mbpp(sortedTests, 'uniq'), 'def uniq(xs):\n    return list(set(xs))', true],
  ['mbpp setup code runs first', { ...mbpp('assert add(1, 2) == BASE + 3', 'add'), setup: 'BASE = 10' }, 'def add(a, b):\n    return BASE + a + b', true],
  ['humaneval markers then os._exit(0) in the body', humaneval(heTests, 'add', hePrompt), `    import os\n${markers.split('\n').filter((l) => l !== '').map((l) => `    ${l}`).join('\n')}\n    os._exit(0)`, false],
  ['humaneval SystemExit(0) before the tests', humaneval(heTests, 'add', hePrompt), 'def add(a, b):\n    return 0\nraise SystemExit(0)', false],
  ['humaneval SystemExit(0) in the body', humaneval(heTests, 'add', hePrompt), '    raise SystemExit(0)', false],
  ['humaneval writes a report on fd 3', humaneval(heTests, 'add', hePrompt), `def add(a, b):\n    return 0\n${forgedReport}`, false],
  ['humaneval always-equal object', humaneval(heTests, 'add', hePrompt), `def add(a, b):\n    return Same()\n${alwaysEqual}`, false],
  ['humaneval patched abs does not reach check', humaneval(heAbsTests, 'add', hePrompt), 'def add(a, b):\n    return 0\nimport builtins\nbuiltins.abs = lambda x: 0', false],
  ['humaneval the abs test, honestly', humaneval(heAbsTests, 'add', hePrompt), '    return a + b', true],
];

describe('pass@1 really runs the tests', () => {
  it.each(cases)('%s', async (_name, problem, prediction, passes) => {
    // Generous for a loaded machine; the hanging cases still end at it.
    const score = await scoreAnswer(problem, prediction, { sandbox, ds1000Sandbox: scientific, timeoutMs: 8_000 });
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
