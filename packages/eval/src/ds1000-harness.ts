/**
 * DS-1000 as a test suite for the isolated sandbox's harness. DS-1000's own `code_context` runs
 * unchanged: `test_execution(code)` (and `test_string(code)` when defined) inserts the solution
 * into `exec_context` and `exec`s it on generated inputs. The "solution" the harness loads is only
 * the answer's text as a string; the answer itself runs inside `test_execution`, and the verdict is
 * the harness's signed one.
 *
 * DS-1000 runs the answer in the same interpreter as its comparisons, so the `exec` the context
 * calls is wrapped (the tests' own `exec` name, looked up before builtins):
 * - the answer gets a fresh copy of the builtins, never the dict the tests resolve names in;
 * - after it ran, every module loaded before it (numpy.testing and pandas.testing are loaded first)
 *   must hold the same objects — module attributes, class attributes (and no new ones, which would
 *   override inherited methods), functions' code, defaults and closures — so patched library
 *   checks (`np.testing.assert_array_equal = …`, `pd.DataFrame.equals = …`) fail the test;
 * - no thread it started may still be running (it could patch after the check);
 * - every value it left in its environment must be made of types from those modules (by identity),
 *   walked through containers and object-dtype arrays, frames, series and indexes: an object of a
 *   class the answer wrote (an "always equal" one, an ndarray or DataFrame subclass) fails.
 */
const GUARD = String.raw`
import sys as _ds_sys, _thread as _ds_thread
for _ds_name in ('numpy', 'numpy.testing', 'pandas', 'pandas.testing', 'math', 'copy', 'io', 'tokenize', 'itertools', 'collections', 'functools', 'operator', 're', 'string', 'unittest'):
    try:
        __import__(_ds_name)
    except ImportError:
        pass
_ds_exec = exec
_ds_builtins = dict(__builtins__)
_ds_thread_count = _ds_thread._count
_ds_flags = type.__dict__['__flags__'].__get__
_ds_type_dict = type.__dict__['__dict__'].__get__
_ds_type_qualname = type.__dict__['__qualname__'].__get__
_ds_type_module = type.__dict__['__module__'].__get__
_ds_module_dict = type(_ds_sys).__dict__['__dict__'].__get__
_ds_function_type = type(lambda: None)
_ds_module_type = type(_ds_sys)
_ds_heap = 1 << 9

def _ds_watch(modules):
    watched = []
    seen = set()
    def function_parts(value):
        cells = value.__closure__ or ()
        contents = []
        for cell in cells:
            try:
                contents.append(cell.cell_contents)
            except ValueError:
                contents.append(None)
        return (value.__code__, value.__defaults__, value.__kwdefaults__, tuple(contents))
    def watch_class(klass, depth):
        if id(klass) in seen or depth > 3:
            return
        seen.add(id(klass))
        space = _ds_type_dict(klass)
        watched.append((space, dict(space), True))
        for item in list(space.values()):
            if type(item) is _ds_function_type:
                watched.append((item, function_parts(item), False))
            elif isinstance(item, type):
                watch_class(item, depth + 1)
    for name, module in modules.items():
        space = _ds_module_dict(module)
        watched.append((space, dict(space), False))
        for item in list(space.values()):
            if type(item) is _ds_function_type:
                watched.append((item, function_parts(item), False))
            elif isinstance(item, type):
                watch_class(item, 0)
    return watched, function_parts

_ds_modules = {name: module for name, module in list(_ds_sys.modules.items()) if type(module) is _ds_module_type}
_ds_watched, _ds_function_parts = _ds_watch(_ds_modules)
_ds_threads = _ds_thread_count()

def _ds_unchanged():
    for name, module in _ds_modules.items():
        if _ds_sys.modules.get(name) is not module:
            return 'module %s was replaced' % name
    for owner, before, closed in _ds_watched:
        if type(owner) is _ds_function_type:
            now = _ds_function_parts(owner)
            if any(now[i] is not before[i] for i in range(3)) or len(now[3]) != len(before[3]) or any(a is not b for a, b in zip(now[3], before[3])):
                return 'function %s was changed' % getattr(owner, '__qualname__', '?')
            continue
        for key, value in before.items():
            if key not in owner or owner[key] is not value:
                return 'library attribute %s was changed' % key
        # A class gains no attributes (one would override an inherited method); modules may, when a submodule loads.
        if closed and len(owner) != len(before):
            return 'a library class gained an attribute'
    return None

def _ds_trusted_type(kind):
    if not _ds_flags(kind) & _ds_heap:
        return True
    module_name, qualname = _ds_type_module(kind), _ds_type_qualname(kind)
    module = _ds_modules.get(module_name) if type(module_name) is str else None
    if module is None or type(qualname) is not str:
        return False
    target = _ds_module_dict(module)
    found = None
    for part in qualname.split('.'):
        found = target.get(part) if type(target) is dict else None
        if found is None:
            return False
        target = _ds_type_dict(found) if isinstance(found, type) else None
    return found is kind

def _ds_plain_values(value, budget):
    kind = type(value)
    if not _ds_trusted_type(kind):
        raise AssertionError('the solution left a %s, an object of a class it defined' % _ds_type_qualname(kind))
    budget[0] -= 1
    if budget[0] < 0:
        raise AssertionError('the solution left more objects than the harness can check')
    children = ()
    if kind is list or kind is tuple or kind is set or kind is frozenset:
        children = list(value)
    elif kind is dict:
        children = [item for pair in value.items() for item in pair]
    else:
        np = _ds_modules.get('numpy')
        pd = _ds_modules.get('pandas')
        if np is not None and isinstance(value, np.ndarray) and value.dtype.kind == 'O':
            children = value.ravel().tolist()
        elif pd is not None and isinstance(value, pd.DataFrame):
            children = [value.index, value.columns] + [value.iloc[:, i] for i in range(value.shape[1])]
        elif pd is not None and isinstance(value, pd.MultiIndex):
            children = list(value.levels)
        elif pd is not None and isinstance(value, (pd.Series, pd.Index)):
            children = ([] if isinstance(value, pd.Index) else [value.index]) + (value.tolist() if value.dtype.kind not in 'biufcmMb' else [])
    for child in children:
        _ds_plain_values(child, budget)

def exec(source, env=None, local_env=None):
    if type(env) is not dict:
        raise AssertionError('the DS-1000 context must exec the solution in a dict')
    env['__builtins__'] = dict(_ds_builtins)
    if local_env is None:
        _ds_exec(source, env)
    else:
        _ds_exec(source, env, local_env)
    if _ds_thread_count() > _ds_threads:
        raise AssertionError('the solution left a thread running')
    changed = _ds_unchanged()
    if changed is not None:
        raise AssertionError('the solution patched the libraries the test uses: ' + changed)
    budget = [200000]
    for key, value in list(env.items()):
        if type(key) is str and key.startswith('__') or isinstance(value, (_ds_module_type, _ds_function_type, type)):
            continue
        _ds_plain_values(value, budget)
`;

export interface Ds1000Suite {
  readonly solution: string;
  readonly tests: string;
  readonly entryPoint: string;
}

const CODE_NAME = '__ds1000_code__';

export function ds1000Suite(codeContext: string, code: string): Ds1000Suite {
  const calls = `    test_execution(candidate)\n${codeContext.includes('test_string(') ? '    test_string(candidate)\n' : ''}`;
  return { solution: `${CODE_NAME} = ${JSON.stringify(code)}\n`, tests: `${codeContext}\n${GUARD}\ndef check(candidate):\n${calls}`, entryPoint: CODE_NAME };
}
