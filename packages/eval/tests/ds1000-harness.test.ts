import { SystemPythonSandbox } from '@flowsteer/operators-code';
import type { Sandbox } from '@flowsteer/core';
import { afterAll, describe, expect, it } from 'vitest';
import { scoreAnswer, type EvalProblem } from '../src/index.js';

// DS-1000's real shape: code_context with generate_test_case, exec_context and test_execution, on
// the numpy/pandas sandbox. Each context has two generated inputs, so a hard-coded answer fails.
const scientific = new SystemPythonSandbox({ preload: ['numpy', 'pandas'], memoryMb: 2048 });
const plain = new SystemPythonSandbox({ pool: 0 });
afterAll(async () => {
  await scientific.close();
  await plain.close();
});

const numpyContext = String.raw`import numpy as np
import copy

def generate_test_case(test_case_id):
    a = np.arange(6).reshape(2, 3) if test_case_id == 1 else np.arange(12).reshape(3, 4) * 2
    return a, a.T.copy()

exec_context = r"""
import numpy as np
a = test_input
[insert]
"""

def test_execution(solution: str):
    code = exec_context.replace("[insert]", solution)
    for i in range(2):
        test_input, expected = generate_test_case(i + 1)
        test_env = {"test_input": copy.deepcopy(test_input)}
        exec(code, test_env)
        np.testing.assert_array_equal(test_env["result"], expected)
`;

const pandasContext = String.raw`import pandas as pd
import io
import tokenize

def generate_test_case(test_case_id):
    df = pd.DataFrame({"k": ["a", "b", "a", "c"][: 2 + test_case_id], "v": list(range(2 + test_case_id))})
    return df, df.groupby("k", as_index=False)["v"].sum()

exec_context = r"""
import pandas as pd
df = test_input
[insert]
"""

def test_execution(solution: str):
    code = exec_context.replace("[insert]", solution)
    for i in range(2):
        test_input, expected = generate_test_case(i + 1)
        test_env = {"test_input": test_input.copy()}
        exec(code, test_env)
        pd.testing.assert_frame_equal(test_env["result"], expected, check_dtype=False)

def test_string(solution: str):
    tokens = [token.string for token in tokenize.tokenize(io.BytesIO(solution.encode("utf-8")).readline)]
    assert "for" not in tokens
`;

const plainContext = String.raw`def generate_test_case(test_case_id):
    data = [3, 1, 2] if test_case_id == 1 else [9, 7, 8, 1]
    return data, sorted(data)

exec_context = r"""
data = test_input
[insert]
"""

def test_execution(solution: str):
    code = exec_context.replace("[insert]", solution)
    for i in range(2):
        test_input, expected = generate_test_case(i + 1)
        env = {"test_input": test_input}
        exec(code, env)
        assert env["result"] == expected
        assert sorted(env["result"]) == env["result"]
`;

const equalsContext = pandasContext.replace('pd.testing.assert_frame_equal(test_env["result"], expected, check_dtype=False)', 'assert test_env["result"].reset_index(drop=True).equals(expected)');

const problem = (codeContext: string): EvalProblem => ({ id: 'd', source: 'ds1000', problemType: 'code', problem: 'p', groundTruth: '', answers: [], codeContext });
const markers = 'print("__FLOWSTEER_DS1000_0123456789abcdef01234567__")\nprint("__FLOWSTEER_PROGRAM_OK__")\nprint(\'{"passed": true, "total": 1, "failed": 0}\')\n';
const alwaysEqual = 'class Same:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n';

// [name, context, prediction, passes?]
const cases: Array<[string, string, string, boolean]> = [
  ['numpy correct', numpyContext, 'result = a.T', true],
  ['numpy correct, fenced with END SOLUTION', numpyContext, '```python\nresult = np.transpose(a)\n```\nEND SOLUTION', true],
  ['numpy wrong', numpyContext, 'result = a', false],
  ['numpy hard-coded output of the first input', numpyContext, 'result = np.array([[0, 3], [1, 4], [2, 5]])', false],
  ['numpy markers then os._exit(0)', numpyContext, `${markers}import os\nos._exit(0)`, false],
  ['numpy SystemExit(0)', numpyContext, 'raise SystemExit(0)', false],
  ['numpy writes a report on fd 3', numpyContext, 'import os\nos.write(3, b"0" * 64 + b" 6f6b 00\\n")\nresult = a', false],
  ['numpy patches assert_array_equal', numpyContext, 'np.testing.assert_array_equal = lambda *args, **kwargs: None\nresult = a', false],
  ['numpy patches the function the check calls inside numpy', numpyContext, 'import numpy.testing._private.utils as u\nu.assert_array_compare = lambda *args, **kwargs: None\nresult = a', false],
  ['numpy replaces the check function\'s code', numpyContext, 'np.testing.assert_array_equal.__code__ = (lambda *args, **kwargs: None).__code__\nresult = a', false],
  ['numpy ndarray subclass equal to everything', numpyContext, 'class Fake(np.ndarray):\n    def __eq__(self, other):\n        return np.ones(np.shape(other), dtype=bool)\nresult = np.zeros(a.T.shape).view(Fake)', false],
  ['numpy object array of always-equal objects', numpyContext, `${alwaysEqual}result = np.empty(a.T.shape, dtype=object)\nresult.fill(Same())`, false],
  ['numpy thread that patches after the run', numpyContext, 'import threading, time\ndef later():\n    time.sleep(0.05)\n    np.testing.assert_array_equal = lambda *args, **kwargs: None\nthreading.Thread(target=later).start()\nresult = a', false],
  ['numpy replaces numpy in sys.modules', numpyContext, 'import sys, types\nfake = types.ModuleType("numpy")\nsys.modules["numpy"] = fake\nresult = a', false],
  ['plain correct', plainContext, 'result = sorted(data)', true],
  ['plain hard-coded output', plainContext, 'result = [1, 2, 3]', false],
  ['plain always-equal result', plainContext, `${alwaysEqual}result = Same()`, false],
  ['plain patches the tests\' builtins through __builtins__', plainContext, '__builtins__["sorted"] = lambda x: x\nresult = data', false],
  ['plain patches the builtins module', plainContext, 'import builtins\nbuiltins.sorted = lambda x: x\nresult = data', false],
  ['pandas correct', pandasContext, 'result = df.groupby("k", as_index=False)["v"].sum()', true],
  ['pandas correct with a pandas option set', pandasContext, 'pd.set_option("display.max_rows", 5)\nresult = df.groupby("k", as_index=False).agg({"v": "sum"})', true],
  ['pandas wrong', pandasContext, 'result = df', false],
  ['pandas loop refused by test_string', pandasContext, 'rows = {}\nfor k, v in zip(df["k"], df["v"]):\n    rows[k] = rows.get(k, 0) + v\nresult = pd.DataFrame({"k": list(rows), "v": list(rows.values())}).sort_values("k").reset_index(drop=True)', false],
  ['pandas patches assert_frame_equal', pandasContext, 'pd.testing.assert_frame_equal = lambda *args, **kwargs: None\nresult = df', false],
  ['pandas DataFrame subclass', pandasContext, 'class Frame(pd.DataFrame):\n    pass\nresult = Frame(df.groupby("k", as_index=False)["v"].sum())', false],
  ['pandas patches DataFrame.equals', equalsContext, 'pd.DataFrame.equals = lambda self, other: True\nresult = df', false],
  ['pandas .equals context, honestly', equalsContext, 'result = df.groupby("k", as_index=False)["v"].sum()', true],
  ['pandas always-equal object in a column', pandasContext, `${alwaysEqual}result = df.groupby("k", as_index=False)["v"].sum()\nresult["v"] = result["v"].astype(object)\nresult.iloc[0, 1] = Same()`, false],
];

describe('DS-1000 through the signed test harness (numpy/pandas sandbox)', () => {
  it.each(cases)('%s', async (_name, codeContext, prediction, passes) => {
    const score = await scoreAnswer(problem(codeContext), prediction, { sandbox: plain, ds1000Sandbox: scientific, timeoutMs: 60_000 });
    expect({ correct: score.correct, score: score.score }, score.reason).toEqual({ correct: passes, score: passes ? 1 : 0 });
  });

  it('opens the injected numpy sandbox for a DS-1000 answer and closes it after', async () => {
    const events: string[] = [];
    const open = (): Sandbox => {
      const inner = new SystemPythonSandbox({ preload: ['numpy', 'pandas'], memoryMb: 2048, pool: 0 });
      events.push('open');
      return { id: 'injected-numpy', run: (request, signal) => inner.run(request, signal), close: async () => { events.push('close'); await inner.close(); } };
    };
    const score = await scoreAnswer(problem(numpyContext), 'result = a.T', { sandbox: plain, openDs1000Sandbox: open, timeoutMs: 60_000 });
    expect(score.reason).toBe('test_execution passed');
    expect(events).toEqual(['open', 'close']);
  });

  it('a sandbox that is not the plain one is used for DS-1000 as it is', async () => {
    const named: Sandbox = { id: 'my-numpy', run: (request, signal) => scientific.run(request, signal), close: async () => undefined };
    expect((await scoreAnswer(problem(numpyContext), 'result = a.T', { sandbox: named, timeoutMs: 60_000 })).correct).toBe(true);
  });

  it('the plain isolated sandbox alone is refused for DS-1000, naming the options that fix it', async () => {
    await expect(scoreAnswer(problem(numpyContext), 'result = a.T', { sandbox: plain, timeoutMs: 60_000 })).rejects.toThrow(/DS-1000 needs numpy and pandas.*openDs1000Sandbox/);
  });
});
