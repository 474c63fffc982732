/**
 * Hostile programs, as an attacker would write them, against the default sandbox. Every case
 * also checks what must hold after any program: the marker file outside is unchanged and its
 * contents never came back, the host's secret is nowhere in the result, the loopback server saw
 * no connection, and the next ordinary program still answers correctly.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxResult } from '@flowsteer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemPythonSandbox, runTestSuite, type TestOutcome } from '../src/index.js';

const SECRET = `sk-redteam-${randomBytes(12).toString('hex')}`;
const MARKER_TEXT = `marker-${randomBytes(12).toString('hex')}`;
process.env['FLOWSTEER_REDTEAM_API_KEY'] = SECRET;

const sandbox = new SystemPythonSandbox({ pool: 2, concurrency: 2, memoryMb: 512, maxOutputBytes: 1_000_000 });
let dir = '';
let marker = '';
let markerMtime = 0;
let listener: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowsteer-redteam-'));
  marker = join(dir, 'marker.txt');
  await writeFile(marker, MARKER_TEXT);
  markerMtime = (await stat(marker)).mtimeMs;
  listener = createServer((socket) => {
    connections++;
    socket.end('hello');
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
  await sandbox.warmup();
}, 60_000);

afterAll(async () => {
  await sandbox.close();
  await new Promise((resolve) => listener.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

// Generous for programs that must fail fast on a busy machine; short for programs that must hang.
const TIMEOUT = 20_000;
const HANG = 3_000;
const py = (text: string): string => JSON.stringify(text);

async function assertHostIntact(result: SandboxResult | TestOutcome): Promise<void> {
  const text = JSON.stringify(result);
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(MARKER_TEXT);
  expect(await readFile(marker, 'utf8')).toBe(MARKER_TEXT);
  expect((await stat(marker)).mtimeMs).toBe(markerMtime);
  expect(await readdir(dir)).toEqual(['marker.txt']);
  expect(connections).toBe(0);
  expect(await sandbox.run({ code: 'print(sum(range(10)))', timeoutMs: 20_000 })).toMatchObject({ status: 'ok', stdout: '45\n' });
}

type Expectation = (result: SandboxResult) => void;
const failsWith =
  (...statuses: SandboxResult['status'][]): Expectation =>
  (result) =>
    expect(statuses).toContain(result.status);
/** Programs run as plain programs: each must fail (or do nothing harmful) in the way given. */
const programs: Array<[string, () => string, Expectation, number?]> = [
  // Host files: read.
  ['reads the marker file', () => `print(open(${py(marker)}).read())`, failsWith('error')],
  ['lists the marker directory', () => `import os\nprint(os.listdir(${py(dir)}))`, failsWith('error')],
  ['reads /etc/shadow and /etc/passwd', () => `for p in ('/etc/shadow', '/etc/passwd'):\n    print(open(p).read())`, failsWith('error')],
  ['walks the whole visible filesystem for the marker', () => `import os\nhits = [root for root, dirs, files in os.walk('/') if 'marker.txt' in files or ${py(MARKER_TEXT)} in root]\nprint('hits', hits)`, (r) => expect(r.stdout).toContain('hits []'), 45_000],
  // Host files: write.
  ['overwrites the marker', () => `open(${py(marker)}, 'w').write('pwned')`, failsWith('error')],
  ['creates a file next to the marker with os.open', () => `import os\nos.open(${py(join(dir, 'dropped'))}, os.O_WRONLY | os.O_CREAT)`, failsWith('error')],
  ['truncates the marker', () => `import os\nos.truncate(${py(marker)}, 0)`, failsWith('error')],
  ['makes a directory outside', () => `import os\nos.mkdir(${py(join(dir, 'sub'))})`, failsWith('error')],
  ['removes and renames the marker', () => `import os\ntry:\n    os.rename(${py(marker)}, ${py(`${marker}.bak`)})\nexcept OSError: pass\nos.remove(${py(marker)})`, failsWith('error')],
  ['writes past the file-size limit in its own directory', () => `open('big', 'wb').write(b'x' * (64 * 1024 * 1024))`, failsWith('error', 'killed')],
  ['writes to the sandbox root and /dev/shm, which have no size cap', () => `for d in ('/', '/dev/shm', '/dev'):\n    open(d.rstrip('/') + '/fill', 'wb').write(b'x')`, failsWith('error')],
  ['fills its work directory with many files', () => `for i in range(100):\n    open('/work/f%d' % i, 'wb').write(b'x' * (8 * 1024 * 1024))`, (r) => expect(r).toMatchObject({ status: 'error', errorType: 'OSError' })],
  // Environment and /proc.
  ['prints its environment', () => `import os\nprint(dict(os.environ))`, (r) => expect(r.stdout).not.toContain('FLOWSTEER_REDTEAM_API_KEY')],
  ['reads /proc/self/environ and the parent environ', () => `import os\nfor p in ('/proc/self/environ', '/proc/%d/environ' % os.getppid(), '/proc/1/environ'):\n    print(open(p, 'rb').read())`, failsWith('error')],
  ['reads its own memory through /proc/self/mem', () => `open('/proc/self/mem', 'rb')`, failsWith('error')],
  // Shell and processes.
  ['runs a shell with os.system', () => `import os\nprint(os.system('cat ${marker} > /work/out'))`, failsWith('error')],
  ['runs a shell with subprocess', () => `import subprocess\nprint(subprocess.run(['/bin/sh', '-c', 'cat ${marker}'], capture_output=True).stdout)`, failsWith('error')],
  ['forks', () => `import os\npid = os.fork()\nprint('forked', pid)`, failsWith('error')],
  ['fork-execs through _posixsubprocess in a new session', () => `import _posixsubprocess, os\nr, w = os.pipe()\npid = _posixsubprocess.fork_exec([b'/bin/sh', b'-c', b'sleep 1000'], [b'/bin/sh'], True, (), None, None, -1, -1, -1, -1, -1, -1, r, w, True, True, -1, None, None, None, -1, None, False)\nprint('forked', pid)`, failsWith('error')],
  ['spawns with os.posix_spawn', () => `import os\nos.posix_spawn('/usr/bin/python3', ['python3', '-c', 'print(1)'], {})`, failsWith('error')],
  ['execs a fresh interpreter without the guard', () => `import os\nos.execv('/usr/bin/python3', ['python3', '-c', 'print(open(${py(marker)}).read())'])`, failsWith('error')],
  ['starts a pty', () => `import pty\npty.spawn('/bin/sh')`, failsWith('error')],
  ['fork bomb', () => `import os\nwhile True:\n    os.fork()`, failsWith('error')],
  ['multiprocessing', () => `import multiprocessing as mp\np = mp.Process(target=print, args=('child',))\np.start()\np.join()`, failsWith('error')],
  ['thread bomb', () => `import threading, time\nthreads = []\nwhile True:\n    t = threading.Thread(target=time.sleep, args=(1000,))\n    t.start()\n    threads.append(t)`, failsWith('error', 'timeout', 'memory', 'killed'), HANG],
  ['leaves a thread running and holding stdout after it ends', () => `import threading, sys, time\ndef spam():\n    while True:\n        sys.stdout.write('.')\n        time.sleep(0.01)\nthreading.Thread(target=spam, daemon=False).start()\nprint('main done')`, (r) => expect(r.status).not.toBe('timeout')],
  // Network, loopback included.
  ['connects to the loopback server', () => `import socket\ns = socket.create_connection(('127.0.0.1', ${port}), timeout=2)\nprint(s.recv(10))`, failsWith('error')],
  ['fetches the loopback server over HTTP', () => `import urllib.request\nprint(urllib.request.urlopen('http://127.0.0.1:${port}/', timeout=2).read())`, failsWith('error')],
  ['sends UDP to a public resolver', () => `import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.sendto(b'x', ('8.8.8.8', 53))\nprint('sent')`, failsWith('error')],
  // Memory and output.
  ['allocates 4 GB at once', () => `x = bytearray(4 * 1024 ** 3)`, failsWith('memory', 'error')],
  ['grows a list until memory runs out', () => `x = []\nwhile True:\n    x.append(' ' * 10 ** 6)`, failsWith('memory', 'error', 'killed'), 30_000],
  ['prints 1 GB', () => `import sys\nfor _ in range(1024):\n    sys.stdout.write('y' * (1024 * 1024))`, (r) => {
    expect(r.status).toBe('killed');
    expect(r.stdout.length).toBeLessThanOrEqual(1_000_000);
  }],
  ['floods stderr', () => `import os\nwhile True:\n    os.write(2, b'z' * 65536)`, (r) => {
    expect(r.status).toBe('killed');
    expect(r.stderr.length).toBeLessThanOrEqual(1_100_000);
  }],
  // Hangs, C-level included, and interrupt swallowing.
  ['spins forever', () => `while True:\n    pass`, failsWith('timeout'), HANG],
  ['sleeps in C', () => `import time\ntime.sleep(10_000)`, failsWith('timeout'), HANG],
  ['swallows KeyboardInterrupt and SystemExit', () => `import time\nwhile True:\n    try:\n        time.sleep(100)\n    except BaseException:\n        pass`, failsWith('timeout'), HANG],
  ['installs a signal handler to catch the interrupted frame', () => `import signal\nsignal.signal(signal.SIGALRM, lambda n, frame: print(frame.f_back.f_locals))\nsignal.alarm(1)\nwhile True: pass`, failsWith('error')],
  ['ignores signals and spins', () => `import signal\ntry:\n    signal.signal(signal.SIGTERM, signal.SIG_IGN)\nexcept ValueError:\n    pass\nwhile True: pass`, failsWith('timeout'), HANG],
  ['deadlocks on a lock', () => `import threading\nl = threading.Lock()\nl.acquire()\nl.acquire()`, failsWith('timeout'), HANG],
  ['catastrophic regex backtracking', () => `import re\nre.match(r'(a+)+$', 'a' * 64 + 'b')`, failsWith('timeout'), HANG],
  ['busy-loops in C through ctypes', () => `import ctypes\nctypes.CDLL(None).sleep(1000)`, failsWith('error')],
  // Guard removal and introspection.
  ['turns the old guard off through __main__', () => `import __main__\n__main__._DENY = ()\n__main__.__dict__.clear()\nimport os\nos.system('true')`, failsWith('error')],
  ['adds an audit hook of its own, then shells out', () => `import sys, os\nsys.addaudithook(lambda *a: None)\nos.system('true')`, failsWith('error')],
  ['walks every object with gc', () => `import gc\nprint(len(gc.get_objects()))`, failsWith('error')],
  ['walks the stack with sys._getframe', () => `import sys\nf = sys._getframe(0)\nprint(f.f_back.f_locals)`, failsWith('error')],
  ['walks the stack from a traceback', () => `try:\n    1/0\nexcept Exception as e:\n    print(e.__traceback__.tb_frame.f_back.f_locals)`, failsWith('error')],
  ['walks the stack from a generator frame', () => `def g():\n    yield 1\nprint(g().gi_frame)`, failsWith('error')],
  ['installs a trace function', () => `import sys\nsys.settrace(lambda *a: None)`, failsWith('error')],
  ['builds a code object with crafted bytecode', () => `c = (lambda: 0).__code__\nc2 = c.replace(co_code=b'd\\xff' + c.co_code[2:], co_consts=())\nexec(c2)`, failsWith('error')],
  ['unmarshals crafted bytecode', () => `import marshal\nmarshal.loads(b'\\xe3' + b'\\x00' * 40)`, failsWith('error')],
  ['imports a crafted .pyc from its work dir', () => `import marshal, sys, importlib.util\ncode = compile('print(1)', 'evil.py', 'exec')\nopen('evil.pyc', 'wb').write(importlib.util.MAGIC_NUMBER + b'\\x00' * 12 + marshal.dumps(code))\nsys.path.insert(0, '/work')\nimport evil`, failsWith('error')],
  ['loads a native extension copied into its work dir', () => `import shutil, sys, glob\nsrc = glob.glob('/usr/lib/python3.11/lib-dynload/xxlimited.*.so')[0]\nshutil.copy(src, '/work/' + src.split('/')[-1])\nsys.path.insert(0, '/work')\nimport xxlimited\nprint('loaded')`, failsWith('error')],
  ['reaches ctypes through object.__subclasses__() to read raw memory', () => `found = [c for c in object.__subclasses__() if 'ctypes' in str(getattr(c, '__module__', ''))]\nif not found:\n    raise LookupError('no ctypes types in this interpreter')\nclass Pointer(found[0]):\n    _type_ = 'z'\nprint(Pointer(4096).value)`, (r) => expect(r).toMatchObject({ status: 'error', errorType: 'LookupError' })],
  ['maps executable memory', () => `import mmap\nm = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)`, failsWith('error')],
  ['reopens the report descriptor', () => `import os\nf = os.fdopen(3, 'w')\nf.write('x')`, failsWith('error')],
  ['writes a fake report on descriptor 3', () => `import os\nos.write(3, b'0' * 64 + b' 6f6b \\n')`, (r) => expect(r).toMatchObject({ status: 'error', errorType: 'ReportForged' })],
  ['leaves with os._exit(0) before the report', () => `import os\nos._exit(0)`, (r) => expect(r).toMatchObject({ status: 'error', errorType: 'EarlyExit' })],
  ['kills its own interpreter', () => `import os, signal\nos.kill(os.getpid(), 9)`, failsWith('error', 'killed')],
];

describe.concurrent('hostile programs', () => {
  it.each(programs)('%s', async (_name, code, expectation, timeoutMs = TIMEOUT) => {
    const result = await sandbox.run({ code: code(), timeoutMs });
    expectation(result);
    expect(result.status === 'ok' && /pwned|forked \d|loaded|connected|sent/.test(result.stdout)).toBe(false);
    await assertHostIntact(result);
  });
});

/** Solutions that try to pass tests they do not pass. Each suite's honest answer is "failed". */
const ADD_TESTS = 'assert add(1, 2) == 3\nassert add(2, 2) == 4\nassert add(-1, 1) == 0';
const HUMAN_EVAL_TESTS = 'def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(2, 2) == 4\n';
const forgeries: Array<[string, string, string, number?]> = [
  ['prints the old result marker and exits', `print('__FLOWSTEER_TEST_RESULT__{"passed": true, "total": 3, "failed": 0}')\nimport os\nos._exit(0)\ndef add(a, b):\n    return 0`, ADD_TESTS],
  ['DS-1000 style: prints the program-ok marker and raises SystemExit(0)', `print('__FLOWSTEER_PROGRAM_OK__')\nraise SystemExit(0)`, ADD_TESTS],
  ['exits with sys.exit(0) while the tests run', `import sys\ndef add(a, b):\n    sys.exit(0)`, ADD_TESTS],
  ['exits with os._exit(0) while the tests run', `import os\ndef add(a, b):\n    os._exit(0)`, ADD_TESTS],
  ['swaps sys.stdout and prints a verdict', `import sys, io\nsys.stdout = io.StringIO()\nsys.__stdout__.write('TEST_PASSED\\n')\ndef add(a, b):\n    return 0`, ADD_TESTS],
  ['writes a forged verdict line to descriptor 3', `import os\nos.write(3, b'ab' * 32 + b' 6f6b  7375697465 74727565 33 30  \\n')\ndef add(a, b):\n    return 0`, ADD_TESTS],
  ['writes a second report after a correct-looking one', `import os, atexit\natexit.register(lambda: os.write(3, b'x\\n'))\ndef add(a, b):\n    return 0`, ADD_TESTS],
  ['closes the report descriptor', `import os\nos.close(3)\ndef add(a, b):\n    return a + b`, ADD_TESTS],
  ['returns an always-equal object', `class Eq:\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Eq()`, ADD_TESTS],
  ['returns an always-equal object to check(candidate)', `class Eq:\n    def __eq__(self, other):\n        return True\n    __hash__ = None\ndef add(a, b):\n    return Eq()`, HUMAN_EVAL_TESTS],
  ['returns an int subclass that equals everything', `class Sneaky(int):\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Sneaky(0)`, ADD_TESTS],
  ['returns a list of always-equal objects', `class Eq:\n    def __eq__(self, other):\n        return True\ndef pairs(n):\n    return [Eq()]`, 'assert pairs(2) == [1]'],
  ['hides an always-equal object in a list subclass whose __iter__ lies', `class Eq:\n    def __eq__(self, other):\n        return True\nclass Liar(list):\n    def __iter__(self):\n        return iter([1])\ndef pairs(n):\n    return Liar([Eq()])`, 'assert pairs(2) == [1]'],
  ['patches Counter.__eq__ and returns a Counter', `import collections\ncollections.Counter.__eq__ = lambda self, other: True\ndef count(s):\n    return collections.Counter()`, "assert count('aab') == {'a': 2, 'b': 1}"],
  ['rebinds the comparison the tests use', `globals()['__flowsteer_eq__'] = lambda a, b: True\ndef add(a, b):\n    return 0`, ADD_TESTS],
  ['patches builtins the tests call', `import builtins\nbuiltins.len = lambda x: 3\nbuiltins.AssertionError = KeyError\ndef count(xs):\n    return 0`, 'assert len([1, 2, 3]) == count([1, 2, 3])'],
  ['raises KeyboardInterrupt from the function', `def add(a, b):\n    raise KeyboardInterrupt`, ADD_TESTS],
  ['starves the harness of recursion', `import sys\nsys.setrecursionlimit(40)\ndef add(a, b):\n    return 0`, ADD_TESTS],
  ['reads the tests from the stack to learn the expected values', `import sys\ndef add(a, b):\n    return sys._getframe(1).f_locals`, ADD_TESTS],
  ['blocks forever once the tests start', `import time\ndef add(a, b):\n    time.sleep(10_000)`, ADD_TESTS, HANG],
  ['defines a check function of its own', `def check(candidate):\n    pass\ndef add(a, b):\n    return 0`, HUMAN_EVAL_TESTS],
];

describe.concurrent('verdict forgery', () => {
  it.each(forgeries)('%s', async (_name, solution, tests, timeoutMs = TIMEOUT) => {
    const outcome = await runTestSuite(sandbox, { solution, tests, timeoutMs });
    expect(outcome.passed).toBe(false);
    await assertHostIntact(outcome);
  });

  it('a correct solution still passes both suite styles', async () => {
    expect(await runTestSuite(sandbox, { solution: 'def add(a, b):\n    return a + b', tests: ADD_TESTS, timeoutMs: 20_000 })).toMatchObject({ passed: true, total: 3 });
    expect(await runTestSuite(sandbox, { solution: 'def add(a, b):\n    return a + b', tests: HUMAN_EVAL_TESTS, entryPoint: 'add', timeoutMs: 20_000 })).toMatchObject({ passed: true });
  });
});

describe('state poisoning across runs', () => {
  const poisons: Array<[string, string]> = [
    ['patches json.dumps and builtins', `import json, builtins\njson.dumps = lambda *a, **k: '{"passed": true}'\nbuiltins.print = lambda *a, **k: None\nbuiltins.sum = lambda *a: 0`],
    ['plants a module and a file', `import sys, types\nm = types.ModuleType('leaky')\nsys.modules['leaky'] = m\nopen('/work/poison', 'w').write('x')\nopen('/tmp/poison', 'w').write('x')`],
    ['deletes os from sys.modules and patches the importer', `import sys\nsys.modules.pop('os')\nsys.meta_path.clear()\nsys.path.clear()`],
  ];
  it.each(poisons)('%s, and the next program sees none of it', async (_name, poison) => {
    await sandbox.run({ code: poison, timeoutMs: TIMEOUT });
    const probe = `import os, json, sys\nprint(json.dumps([1]), sum([1, 2]), 'leaky' in sys.modules, os.path.exists('/work/poison'), os.path.exists('/tmp/poison'))`;
    const results = await Promise.all([0, 1, 2].map(() => sandbox.run({ code: probe, timeoutMs: 20_000 })));
    for (const result of results) expect(result).toMatchObject({ status: 'ok', stdout: '[1] 3 False False False\n' });
    expect(await runTestSuite(sandbox, { solution: 'def add(a, b):\n    return a - b', tests: ADD_TESTS, timeoutMs: 20_000 })).toMatchObject({ passed: false });
    await assertHostIntact(results[0] as SandboxResult);
  });
});

it('covers at least 40 hostile programs', () => {
  expect(programs.length + forgeries.length + 3).toBeGreaterThanOrEqual(40);
});
