/**
 * Building and reading unit-test programs for code tasks (HumanEval `check(candidate)` suites and
 * MBPP-style assert lists). Pass/fail is decided only by a result line the harness prints after
 * every test ran, never by scanning output for words like "pass".
 */

export const RESULT_MARKER = '__FLOWSTEER_TEST_RESULT__';

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

function pyString(text: string): string {
  return JSON.stringify(text);
}

/**
 * A Python program that defines the solution, runs the tests one by one (or `check(entry)`), and
 * prints exactly one result line. Assert lines of the form `assert X == Y` report both sides.
 */
export function buildTestProgram(solution: string, tests: string, entryPoint: string | undefined): string {
  const humanEval = /def\s+check\s*\(/.test(tests);
  const header = String.raw`
import json as _json, ast as _ast
_ns = {'__name__': '__flowsteer_solution__'}
_outcome = {'passed': False, 'total': 0, 'failed': 0, 'errorType': None, 'error': None}
def _report():
    print('\n${RESULT_MARKER}' + _json.dumps(_outcome))
try:
    exec(compile(${pyString(solution)}, '<solution>', 'exec'), _ns)
except BaseException as _e:
    _outcome.update(failed=1, total=1, errorType=type(_e).__name__, error='solution failed to load: %s' % (_e,))
    _report()
    raise SystemExit(0)
`;
  if (humanEval) {
    const entry = entryPoint ?? 'candidate';
    return `${header}
try:
    exec(compile(${pyString(tests)}, '<tests>', 'exec'), _ns)
    if ${pyString(entry)} not in _ns:
        raise NameError('entry point %r is not defined by the solution' % ${pyString(entry)})
    _outcome['total'] = 1
    _ns['check'](_ns[${pyString(entry)}])
    _outcome['passed'] = True
except BaseException as _e:
    _outcome.update(failed=1, total=1, errorType=type(_e).__name__, error=str(_e) or type(_e).__name__)
_report()
`;
  }
  const statements = splitTopLevel(tests);
  return `${header}
_tests = ${JSON.stringify(statements)}
for _src in _tests:
    # A statement that asserts anything (a bare assert, or a loop of asserts) is a test.
    _is_assert = _src.lstrip().startswith('assert') or 'assert' in _src
    if _is_assert:
        _outcome['total'] += 1
    try:
        _parts = None
        if _src.lstrip().startswith('assert'):
            _tree = _ast.parse(_src.strip())
            _node = _tree.body[0] if len(_tree.body) == 1 else None
            if isinstance(_node, _ast.Assert) and isinstance(_node.test, _ast.Compare) and len(_node.test.ops) == 1 and isinstance(_node.test.ops[0], _ast.Eq):
                _lv = eval(compile(_ast.Expression(_node.test.left), '<test>', 'eval'), _ns)
                _rv = eval(compile(_ast.Expression(_node.test.comparators[0]), '<test>', 'eval'), _ns)
                _parts = (_lv, _rv)
        if _parts is not None:
            if _parts[0] != _parts[1]:
                raise AssertionError('Expected %r (type: %s), got %r (type: %s) in: %s' % (_parts[1], type(_parts[1]).__name__, _parts[0], type(_parts[0]).__name__, _src.strip()))
        else:
            exec(compile(_src, '<test>', 'exec'), _ns)
    except BaseException as _e:
        if not _is_assert and not isinstance(_e, AssertionError):
            _outcome['total'] = max(_outcome['total'], 1)
        _outcome['failed'] += 1
        if _outcome['errorType'] is None:
            _outcome['errorType'] = type(_e).__name__
            _outcome['error'] = str(_e) or ('%s in: %s' % (type(_e).__name__, _src.strip()))
if ${entryPoint === undefined ? 'False' : `${pyString(entryPoint)} not in _ns`}:
    _outcome['failed'] += 1
    _outcome['errorType'] = _outcome['errorType'] or 'NameError'
    _outcome['error'] = _outcome['error'] or 'entry point %r is not defined by the solution' % ${pyString(entryPoint ?? '')}
_outcome['passed'] = _outcome['failed'] == 0 and _outcome['total'] > 0
if _outcome['total'] == 0:
    _outcome['errorType'] = _outcome['errorType'] or 'NoTests'
    _outcome['error'] = _outcome['error'] or 'no assert statements were found in the tests'
_report()
`;
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

/** Reads the harness result line; undefined when the program never got that far. */
export function readTestOutcome(stdout: string): TestOutcome | undefined {
  const at = stdout.lastIndexOf(RESULT_MARKER);
  if (at === -1) return undefined;
  try {
    const raw = JSON.parse(stdout.slice(at + RESULT_MARKER.length).split('\n')[0] ?? '') as { passed: boolean; total: number; failed: number; errorType: string | null; error: string | null };
    return { passed: raw.passed === true, total: raw.total, failed: raw.failed, ...(raw.errorType === null ? {} : { errorType: raw.errorType }), ...(raw.error === null ? {} : { error: raw.error }) };
  } catch {
    return undefined;
  }
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
