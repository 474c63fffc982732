import { SUITE_HEADER } from '@flowsteer/code-harness';

/**
 * The Python side of the isolated sandbox. One interpreter runs exactly one program: it starts
 * (inside bubblewrap), locks itself down (seccomp filter, audit hook), signals ready on the report
 * descriptor, waits for the key and the job on stdin, runs the program (or the test suite), and
 * writes one HMAC-signed report line on descriptor 3 before exiting without running any exit hooks.
 *
 * The key arrives only after the lock-down and lives only in local variables of trusted frames;
 * every way Python offers to reach another frame (sys._getframe, tracebacks' tb_frame, generator
 * frames, trace/profile hooks, gc object walks, signal handlers) or raw memory (ctypes, which is
 * never loaded; crafted code objects and marshal data; native code, which cannot be mapped;
 * ptrace, process_vm_readv; /proc, which is not mounted) is closed.
 */

export const ISOLATED_RUNNER_PY = String.raw`
import sys, os

def _flowsteer_main():
    argv = sys.argv
    for entry in (argv[1].split(':') if len(argv) > 1 and argv[1] else []):
        sys.path.append(entry)
    import resource
    if len(argv) > 5:
        memory, file_size, open_files = int(argv[3]) << 20, int(argv[4]) << 20, int(argv[5])
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
        resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # After the lock-down no new native code can be mapped, so extension modules load now:
    # the standard library's, and every one inside the preloaded packages (numpy, pandas).
    def load_extensions(root, package):
        for directory, _subdirs, files in os.walk(root):
            for file in sorted(files):
                if file.endswith('.so') and '-' in file and 'test' not in directory[len(root):]:
                    relative = os.path.relpath(os.path.join(directory, file.split('.')[0]), root).replace('/', '.')
                    try:
                        __import__(relative if package is None else package + '.' + relative)
                    except BaseException:
                        pass
    # (Left out because they are slow to load and have pure-Python fallbacks: _asyncio, _elementtree, _zoneinfo, _hashlib.)
    for name in ('_decimal', '_json', '_bz2', '_lzma', '_multibytecodec', '_sqlite3', '_uuid', '_queue',
                 '_contextvars', '_posixshmem', '_multiprocessing', 'mmap', 'termios', 'resource', 'pyexpat',
                 '_pickle', '_struct', '_bisect', '_heapq', '_random', '_datetime', '_statistics', 'array', 'binascii', '_csv',
                 'unicodedata', 'zlib', 'select', '_socket', 'math', 'cmath', '_opcode', '_md5', '_sha1', '_sha256', '_sha512',
                 '_sha3', '_blake2', 'grp', 'fcntl', '_lsprof', '_codecs_cn', '_codecs_hk', '_codecs_iso2022', '_codecs_jp',
                 '_codecs_kr', '_codecs_tw', '_typing'):
        try:
            __import__(name)
        except BaseException:
            pass
    for name in (argv[2].split(',') if len(argv) > 2 and argv[2] else []):
        module = __import__(name)
        location = getattr(module, '__file__', None)
        if location is not None and os.path.basename(location) == '__init__.py':
            load_extensions(os.path.dirname(location), name)
    import io, ast, builtins, json, _sha256
    # Pristine references taken before any program runs: a program may patch modules and
    # builtins, never these locals.
    write, read, exit_now, close_fd = os.write, os.read, os._exit, os.close
    encode, hexlify, unhex, str_join = str.encode, bytes.hex, bytes.fromhex, str.join
    sha256 = _sha256.sha256
    def hmac_sha256(key, message):
        # RFC 2104 over the builtin SHA-256, so no OpenSSL has to load for it.
        padded = key + bytes(64 - _len(key))
        inner = sha256(bytes([b ^ 0x36 for b in padded]) + message).digest()
        return sha256(bytes([b ^ 0x5C for b in padded]) + inner).digest()
    type_flags = type.__dict__['__flags__'].__get__
    type_mro = type.__dict__['__mro__'].__get__
    type_dict = type.__dict__['__dict__'].__get__
    type_name = type.__dict__['__name__'].__get__
    exc_traceback = BaseException.__dict__['__traceback__'].__get__
    dict_items = dict.items
    _str, _int, _bool, _dict, _type, _isinstance, _len, _repr, _exec, _eval, _compile = str, int, bool, dict, type, isinstance, len, repr, exec, eval, compile
    _all, _any, _max, _none = all, any, max, type(None)
    _BaseException, _SystemExit, _MemoryError, _AssertionError, _NameError = BaseException, SystemExit, MemoryError, AssertionError, NameError
    pristine_builtins = _dict(builtins.__dict__)
    plain_scalars = (int, float, complex, bool, str, bytes, _none)
    plain_containers = (list, tuple, set, frozenset, dict)
    HEAPTYPE = 1 << 9
    REPORT_FD = 3

    # Seccomp, through libseccomp's own Python binding (Debian: python3-seccomp), so that ctypes is
    # never loaded here. No new programs, no new processes (threads stay), no ptrace or reading
    # another process's memory, no io_uring, no namespaces or mounts, no kernel keyrings, and no
    # executable memory: native code the program writes can never run.
    try:
        import seccomp
    except ImportError:
        write(2, b'sandbox: the seccomp module (Debian package python3-seccomp) is missing\n')
        exit_now(70)
    EPERM = seccomp.ERRNO(1)
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    def deny(action, name, *conditions):
        if seccomp.resolve_syscall(seccomp.Arch.NATIVE, name) == -1:
            return  # the call does not exist on this architecture
        rules.add_rule(action, name, *conditions)
    for name in ('execve', 'execveat', 'fork', 'vfork', 'ptrace', 'process_vm_readv', 'process_vm_writev',
                 'io_uring_setup', 'io_uring_enter', 'io_uring_register', 'unshare', 'setns', 'mount', 'umount2',
                 'pivot_root', 'chroot', 'add_key', 'request_key', 'keyctl', 'bpf', 'userfaultfd', 'personality',
                 'shmat', 'pidfd_open', 'pidfd_getfd', 'kexec_load', 'init_module', 'finit_module', 'perf_event_open'):
        deny(EPERM, name)
    deny(EPERM, 'clone', seccomp.Arg(0, seccomp.MASKED_EQ, 0x10000, 0))  # a process, not a thread (CLONE_THREAD)
    deny(seccomp.ERRNO(38), 'clone3')  # ENOSYS: glibc falls back to clone, which is checked above
    for name in ('mmap', 'mprotect', 'pkey_mprotect'):
        deny(EPERM, name, seccomp.Arg(2, seccomp.MASKED_EQ, 4, 4))  # PROT_EXEC
    try:
        rules.load()
    except BaseException:
        write(2, b'sandbox: cannot install the seccomp filter\n')
        exit_now(70)
    del rules

    # A signal handler is handed the interrupted frame, so handlers are refused. SIGINT goes back
    # to its default first so asyncio.run does not try to install one.
    import _signal
    _signal.signal(_signal.SIGINT, _signal.SIG_DFL)
    def refuse_signal_handler(signalnum, handler):
        raise ValueError('sandbox: signal handlers are not available')
    _signal.signal = refuse_signal_handler

    # The audit hook closes over these constants and the trusted flag; no program can reach them.
    trusted = [False]
    deny_prefixes = ('ctypes.', 'sys._current_frames', 'sys.settrace', 'sys.setprofile', 'threading.settrace', 'threading.setprofile',
                     'gc.get_', 'os.fork', 'os.exec', 'os.posix_spawn', 'os.spawn', 'os.system', 'os.kill', 'os.killpg', 'subprocess.',
                     'pty.', 'marshal.load', 'code.__new__', 'function.__new__', 'sys.addaudithook', 'cpython.')
    deny_imports = ('ctypes', '_ctypes', '_signal', '_testcapi', '_testinternalcapi', '_xxsubinterpreters', '_xxinterpchannels')
    frame_attrs = ('tb_frame', 'gi_frame', 'cr_frame', 'ag_frame', 'f_back', 'f_globals', 'f_locals', 'f_builtins', 'f_trace')
    # Bytecode may be unmarshalled only when it is byte for byte a .pyc of the read-only host
    # libraries: crafted bytecode (a .pyc written to /work, marshal.loads) can read memory.
    import importlib._bootstrap_external as bootstrap_external
    compile_bytecode_code = bootstrap_external._compile_bytecode.__code__
    getframe, fstat, open_fd = sys._getframe, os.fstat, os.open
    writable_devices = frozenset(os.stat(path).st_dev for path in ('/', '/work', '/tmp', '/dev'))
    def trusted_bytecode(data):
        frame = getframe(3)
        if frame.f_code is not compile_bytecode_code:
            return False
        path = frame.f_locals.get('bytecode_path')
        if _type(path) is not _str:
            return False
        fd = open_fd(path, os.O_RDONLY)
        try:
            if fstat(fd).st_dev in writable_devices:
                return False
            content = []
            while True:
                chunk = read(fd, 1 << 20)
                if not chunk:
                    break
                content.append(chunk)
        finally:
            close_fd(fd)
        return b''.join(content)[16:] == bytes(data)

    # Rebuilding a code object (code.replace) is allowed only to the library functions known to
    # do it safely, recognised by the identity of their code objects, not by names a program can fake.
    import types
    rebuilders = [types.coroutine.__code__]
    overrides = sys.modules.get('numpy.core.overrides')
    if overrides is not None:
        rebuilders += [c for c in overrides.array_function_dispatch.__code__.co_consts if _type(c) is types.CodeType]
    rebuilder_ids = frozenset(id(c) for c in rebuilders)
    def trusted_rebuilder():
        return id(getframe(3).f_code) in rebuilder_ids

    def checked(check, *args):
        trusted[0] = True
        try:
            return check(*args)
        except _BaseException:
            return False
        finally:
            trusted[0] = False

    def audit(event, args):
        if trusted[0]:
            return
        if event == 'code.__new__':
            if checked(trusted_rebuilder):
                return
            raise PermissionError('sandbox: building code objects is not allowed')
        if event == 'marshal.loads':
            if checked(trusted_bytecode, args[0]):
                return
            raise PermissionError('sandbox: unmarshalling bytecode that is not a host library is not allowed')
        if event == 'sys._getframe':
            # ValueError is what namedtuple, typing, enum and logging already handle ("stack too shallow").
            raise ValueError('sandbox: frames are not available')
        if event.startswith(deny_prefixes):
            raise PermissionError('sandbox: %s is not allowed' % event)
        if event == 'import' and args[0].split('.')[0] in deny_imports:
            raise ImportError('sandbox: module %s is not available' % args[0])
        if event == 'object.__getattr__' and args[1] in frame_attrs:
            raise AttributeError('sandbox: %s is not available' % args[1])
        if event == 'open' and _isinstance(args[0], _int):
            raise PermissionError('sandbox: reopening a file descriptor is not allowed')
    sys.addaudithook(audit)
    write(REPORT_FD, b'R')

    # The one job this interpreter will ever run: a key line, then the job as JSON.
    chunks = []
    while True:
        chunk = read(0, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    raw = b''.join(chunks)
    del chunks
    newline = raw.index(b'\n')
    key = unhex(raw[:newline].decode('ascii'))
    job = json.loads(raw[newline + 1:].decode('utf-8'))
    del raw
    code, stdin_text, cpu_seconds, end_mark = job['code'], job['stdin'], job['cpuSeconds'], encode(job['endMark'], 'ascii')
    del job
    close_fd(0)
    real_stdout, real_stderr = sys.stdout, sys.stderr
    stdout_flush, stderr_write = _type(real_stdout).flush, _type(real_stderr).write

    def field(value):
        if _type(value) is not _str:
            value = ''
        return hexlify(encode(value, 'utf-8', 'replace'))

    def report(fields):
        body = str_join(' ', [field(f) for f in fields])
        mac = hexlify(hmac_sha256(key, encode(body, 'ascii')))
        for stream, fd in ((real_stdout, 1), (real_stderr, 2)):
            try:
                stdout_flush(stream)
            except _BaseException:
                pass
            # Tells the host this stream is complete, so it need not wait for the sandbox to exit.
            try:
                write(fd, end_mark)
            except _BaseException:
                pass
        write(REPORT_FD, encode(mac + ' ' + body + '\n', 'ascii'))
        exit_now(0)

    def text_of(value, limit=2000):
        try:
            text = value if _type(value) is _str else _repr(value)
            return text[:limit] if _type(text) is _str else '?'
        except _BaseException:
            return '<unprintable>'

    def message_of(exc):
        try:
            text = exc.__str__()
        except _BaseException:
            return ''
        return text_of(text) if _type(text) is _str else ''

    solution_lines = []
    def traceback_text(exc):
        # Walked by trusted code only: the hook lets this function read frames, and it calls no program code.
        lines = []
        trusted[0] = True
        try:
            tb = exc_traceback(exc)
            while tb is not None:
                frame_code = tb.tb_frame.f_code
                if frame_code.co_filename == '<solution>':
                    lineno = tb.tb_lineno
                    where = '  File "<solution>", line %d, in %s\n' % (lineno, frame_code.co_name if _type(frame_code.co_name) is _str else '?')
                    if 0 < lineno <= _len(solution_lines):
                        where += '    ' + solution_lines[lineno - 1].strip() + '\n'
                    lines.append(where)
                tb = tb.tb_next
        except _BaseException:
            pass
        finally:
            trusted[0] = False
        name = type_name(_type(exc))
        message = message_of(exc)
        return 'Traceback (most recent call last):\n' + str_join('', lines[-8:]) + name + (': ' + message if message else '') + '\n'

    def to_stderr(text):
        try:
            stderr_write(real_stderr, text)
        except _BaseException:
            pass

    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = _int(used.ru_utime + used.ru_stime) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (spent + cpu_seconds, spent + cpu_seconds + 1))
    sys.stdin = io.StringIO(stdin_text)

    if not code.startswith(${JSON.stringify(SUITE_HEADER)}):
        solution_lines = code.split('\n')
        namespace = {'__name__': '__main__', '__builtins__': builtins}
        try:
            _exec(_compile(code, '<solution>', 'exec'), namespace)
            report(['ok', ''])
        except _SystemExit as exit_:
            try:
                status = exit_.code
                clean = status is None or (_type(status) in (_int, _bool) and status == 0)
            except _BaseException:
                clean = False
            if clean:
                report(['ok', ''])
            to_stderr('SystemExit: %s\n' % message_of(exit_))
            report(['error', 'SystemExit'])
        except _MemoryError:
            to_stderr('MemoryError\n')
            report(['memory', 'MemoryError'])
        except _BaseException as exc:
            to_stderr(traceback_text(exc))
            report(['error', type_name(_type(exc))])
        report(['error', 'RunnerError'])

    # The test harness. Everything it needs is parsed and compiled before the solution runs.
    suite = json.loads(code.split('\n', 3)[2][2:])
    solution, statements, entry, human_eval = suite['solution'], suite['statements'], suite['entryPoint'], suite['humanEval']
    del code, suite
    solution_lines = solution.split('\n')

    def is_plain(value, depth=0):
        t = _type(value)
        if t in plain_scalars:
            return True
        if depth > 20 or t not in plain_containers:
            return False
        if t is _dict:
            return _all([is_plain(k, depth + 1) and is_plain(v, depth + 1) for k, v in dict_items(value)])
        return _all([is_plain(v, depth + 1) for v in value])

    # A Counter (by exact type) is compared as the plain dict it holds; its class could be patched.
    import collections
    counter_type = collections.Counter
    list_iter, tuple_iter, set_iter, frozenset_iter = list.__iter__, tuple.__iter__, set.__iter__, frozenset.__iter__

    def eq_owner(t):
        for klass in type_mro(t):
            if '__eq__' in type_dict(klass):
                return klass
        return object

    def custom_eq(value, depth=0):
        # Some object in value compares through __eq__ code the solution could have written.
        t = _type(value)
        if t in plain_scalars:
            return False
        if t is not counter_type and type_flags(eq_owner(t)) & HEAPTYPE:
            return True
        if depth > 20:
            return False
        # Containers are walked the way their C __eq__ walks them, whatever __iter__ says.
        if _isinstance(value, _dict):
            return _any([custom_eq(k, depth + 1) or custom_eq(v, depth + 1) for k, v in dict_items(value)])
        for base, walk in ((list, list_iter), (tuple, tuple_iter), (set, set_iter), (frozenset, frozenset_iter)):
            if _isinstance(value, base):
                return _any([custom_eq(v, depth + 1) for v in walk(value)])
        return False

    def strict_eq(left, right):
        # An "always equal" object cannot stand in for a plain expected value.
        if _type(left) is counter_type:
            left = _dict(dict_items(left))
        if _type(right) is counter_type:
            right = _dict(dict_items(right))
        if (is_plain(right) and custom_eq(left)) or (is_plain(left) and custom_eq(right)):
            odd = left if custom_eq(left) else right
            raise _AssertionError('a %s that is or holds an object with its own __eq__ was compared with a plain value' % type_name(_type(odd)))
        return left == right

    class EqualityAsserts(ast.NodeTransformer):
        def visit_Assert(self, node):
            self.generic_visit(node)
            test = node.test
            if _isinstance(test, ast.Compare) and _len(test.ops) == 1 and _isinstance(test.ops[0], ast.Eq):
                call = ast.Call(func=ast.Name(id='__flowsteer_eq__', ctx=ast.Load()), args=[test.left, test.comparators[0]], keywords=[])
                node.test = ast.copy_location(call, test)
            return node

    def compile_tests(source):
        tree = EqualityAsserts().visit(ast.parse(source))
        ast.fix_missing_locations(tree)
        return _compile(tree, '<tests>', 'exec')

    def split_assert(source):
        # assert X == Y on its own: both sides are evaluated so a failure can say what came back.
        tree = ast.parse(source.strip())
        node = tree.body[0] if _len(tree.body) == 1 else None
        if _isinstance(node, ast.Assert) and _isinstance(node.test, ast.Compare) and _len(node.test.ops) == 1 and _isinstance(node.test.ops[0], ast.Eq):
            return (_compile(ast.Expression(node.test.left), '<test>', 'eval'), _compile(ast.Expression(node.test.comparators[0]), '<test>', 'eval'))
        return None

    def fail(total, failed, kind, message):
        report(['ok', '', 'suite', 'false', '%d' % total, '%d' % failed, kind, message])

    try:
        if human_eval:
            compiled_tests = compile_tests(statements[0])
        else:
            compiled = []
            for source in statements:
                stripped = source.lstrip()
                compiled.append((source, stripped.startswith('assert') or 'assert' in source, split_assert(source) if stripped.startswith('assert') else None, compile_tests(source)))
    except _BaseException as exc:
        fail(1, 1, type_name(_type(exc)), 'the tests do not compile: ' + message_of(exc))

    ns = {'__name__': '__flowsteer_solution__', '__builtins__': builtins}
    try:
        _exec(_compile(solution, '<solution>', 'exec'), ns)
    except _BaseException as exc:
        to_stderr(traceback_text(exc))
        fail(1, 1, type_name(_type(exc)), 'solution failed to load: ' + message_of(exc))
    # The tests get their own namespace with pristine builtins: the solution cannot rebind what they call.
    tns = _dict(ns)
    tns['__builtins__'] = _dict(pristine_builtins)
    tns['__flowsteer_eq__'] = strict_eq

    if human_eval:
        target = entry if entry is not None else 'candidate'
        try:
            _exec(compiled_tests, tns)
            if target not in ns:
                raise _NameError('entry point %r is not defined by the solution' % target)
            tns['check'](ns[target])
        except _BaseException as exc:
            fail(1, 1, type_name(_type(exc)), message_of(exc) or type_name(_type(exc)))
        report(['ok', '', 'suite', 'true', '1', '0', '', ''])

    total, failed, first_kind, first_error = 0, 0, '', ''
    for source, is_test, sides, program in compiled:
        if is_test:
            total += 1
        try:
            if sides is not None:
                left, right = _eval(sides[0], tns), _eval(sides[1], tns)
                if not strict_eq(left, right):
                    raise _AssertionError('Expected %s (type: %s), got %s (type: %s) in: %s' % (text_of(right), type_name(_type(right)), text_of(left), type_name(_type(left)), source.strip()))
            else:
                _exec(program, tns)
        except _BaseException as exc:
            if not is_test and not _isinstance(exc, _AssertionError):
                total = _max(total, 1)
            failed += 1
            if first_kind == '':
                first_kind = type_name(_type(exc))
                first_error = message_of(exc) or ('%s in: %s' % (first_kind, source.strip()))
    if entry is not None and entry not in ns:
        failed += 1
        first_kind = first_kind or 'NameError'
        first_error = first_error or ('entry point %r is not defined by the solution' % entry)
    if total == 0:
        first_kind = first_kind or 'NoTests'
        first_error = first_error or 'no assert statements were found in the tests'
    passed = failed == 0 and total > 0
    report(['ok', '', 'suite', 'true' if passed else 'false', '%d' % total, '%d' % failed, first_kind, first_error])

globals().pop('_flowsteer_main')()
`;
