import { jsonToPythonLiteral } from './python-literal.js';

/**
 * APPS call-based problems as a test suite for the isolated sandbox's harness. The solution is
 * loaded with APPS's import prelude; `check` calls `fn_name` (a function, or a method of
 * `Solution()`) on every input and compares in Python, inside the harness, with APPS's rules: a
 * tuple result counts as a list, and when the expected output is a non-empty list its first element
 * also matches. The verdict is the harness's signed one; nothing is printed or parsed.
 *
 * The returned value is first reduced to plain data (exact int, float, bool, str, None, list, tuple,
 * dict): any other object — an "always equal" one, a subclass of int or list — fails, since its
 * comparison would be code the solution wrote. The tests run after the solution, so they use only
 * builtins (the harness gives the tests a pristine copy), never a module the solution could patch.
 */

export const APPS_PRELUDE = 'import sys, math, itertools, collections, heapq, functools, random\nfrom typing import List, Tuple, Dict, Optional\nfrom collections import Counter, OrderedDict, deque, defaultdict\nfrom functools import lru_cache\nfrom itertools import accumulate, product, permutations, combinations\nfrom heapq import *\n';

const CHECK = String.raw`
def _apps_plain(value, depth=0):
    kind = type(value)
    if kind is bool or kind is int or kind is float or kind is str or value is None:
        return value
    if depth > 50:
        raise AssertionError('the returned value is nested too deeply')
    if kind is list or kind is tuple:
        return [_apps_plain(item, depth + 1) for item in value]
    if kind is dict:
        return {_apps_plain(key, depth + 1): _apps_plain(item, depth + 1) for key, item in value.items()}
    raise AssertionError('returned a %s, which is not plain data (int, float, bool, str, None, list, tuple, dict)' % kind.__name__)

def _apps_show(value):
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + '...'

def check(candidate):
    count = len(_apps_cases['inputs'])
    for index in range(count):
        arguments = _apps_cases['inputs'][index]
        expected = _apps_cases['outputs'][index]
        call = getattr(candidate(), _apps_cases['fn_name']) if _apps_class else candidate
        output = _apps_plain(call(*arguments))
        if output == expected:
            continue
        if type(expected) is list and len(expected) > 0 and output == expected[0]:
            continue
        raise AssertionError('case %d of %d: expected %s, got %s' % (index + 1, count, _apps_show(expected), _apps_show(output)))
`;

export interface AppsCallSuite {
  readonly solution: string;
  readonly tests: string;
  readonly entryPoint: string;
}

/** The suite for one call-based APPS problem; `testsJson` is the problem's own `{inputs, outputs, fn_name}` text. */
export function appsCallSuite(code: string, testsJson: string, fnName: string): AppsCallSuite {
  const usesClass = code.includes('class Solution');
  const header = `_apps_cases = ${jsonToPythonLiteral(testsJson)}\n_apps_class = ${usesClass ? 'True' : 'False'}\n`;
  return { solution: `${APPS_PRELUDE}${code}`, tests: `${header}${CHECK}`, entryPoint: usesClass ? 'Solution' : fnName };
}
