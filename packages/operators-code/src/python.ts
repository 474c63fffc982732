/**
 * Python source shared by the sandboxes: the runner that executes one program with captured
 * stdio, and (for pyodide) the guard that removes the bridges to the JavaScript host.
 */

/** Output beyond this many characters per stream is cut, so a print loop cannot flood the host. */
export const MAX_OUTPUT_CHARS = 1_000_000;

export const RUNNER_PY = String.raw`
import sys as _sys, io as _io, json as _json, traceback as _traceback, builtins as _builtins

def _flowsteer_run(code, stdin_text, max_chars=${MAX_OUTPUT_CHARS}):
    out, err = _io.StringIO(), _io.StringIO()
    saved = (_sys.stdout, _sys.stderr, _sys.stdin)
    _sys.stdout, _sys.stderr, _sys.stdin = out, err, _io.StringIO(stdin_text)
    modules_before = set(_sys.modules)
    status, error_type = 'ok', None
    namespace = {'__name__': '__main__', '__builtins__': _builtins}
    try:
        exec(compile(code, '<solution>', 'exec'), namespace)
    except SystemExit as exit_:
        if exit_.code not in (None, 0):
            status, error_type = 'error', 'SystemExit'
            err.write('SystemExit: %s\n' % (exit_.code,))
    except KeyboardInterrupt:
        status, error_type = 'timeout', 'Timeout'
    except MemoryError:
        status, error_type = 'memory', 'MemoryError'
        err.write('MemoryError\n')
    except BaseException as exc:
        status, error_type = 'error', type(exc).__name__
        frames = _traceback.extract_tb(exc.__traceback__)
        first = next((i for i, f in enumerate(frames) if f.filename == '<solution>'), len(frames))
        user_frames = frames[first:]
        err.write(''.join(_traceback.format_list(user_frames[-8:])))
        err.write(''.join(_traceback.format_exception_only(type(exc), exc)))
    finally:
        _sys.stdout, _sys.stderr, _sys.stdin = saved
        # Modules the program imported or created do not leak into the next run.
        for name in set(_sys.modules) - modules_before:
            _sys.modules.pop(name, None)
    return _json.dumps({'status': status, 'stdout': out.getvalue()[:max_chars], 'stderr': err.getvalue()[:max_chars], 'errorType': error_type})
`;

/** Cuts every route from Python to the JavaScript host (and so to the real filesystem and network), and sockets. */
export const PYODIDE_GUARD_PY = String.raw`
import sys as _sys

_BLOCKED = ('js', 'pyodide_js', 'pyodide', '_pyodide', 'micropip', 'pyodide_http', '_pyodide_core', 'socket', '_socket', 'ssl', '_ssl')

class _FlowsteerBlocker:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in _BLOCKED:
            raise ImportError('module %r is not available in the sandbox' % name)
        return None

for _name in list(_sys.modules):
    if _name.split('.')[0] in _BLOCKED:
        del _sys.modules[_name]
_sys.meta_path.insert(0, _FlowsteerBlocker())
del _name
`;
