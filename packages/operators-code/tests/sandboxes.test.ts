import { AbortError } from '@flowsteer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PyodideSandbox, SandboxUnavailableError, SystemPythonSandbox } from '../src/index.js';

const sandbox = new SystemPythonSandbox({ pool: 2, memoryMb: 512 });
beforeAll(() => sandbox.warmup(), 60_000);
afterAll(() => sandbox.close());

describe('system-python sandbox', () => {
  it('runs a program and captures stdout', async () => {
    expect(await sandbox.run({ code: 'print(6*7)', timeoutMs: 10_000 })).toMatchObject({ status: 'ok', stdout: '42\n', stderr: '' });
  });

  it('reports exceptions with their type and a traceback into the program', async () => {
    const result = await sandbox.run({ code: 'def f():\n    return 1/0\nf()', timeoutMs: 10_000 });
    expect(result).toMatchObject({ status: 'error', errorType: 'ZeroDivisionError' });
    expect(result.stderr).toContain('File "<solution>", line 2, in f');
    expect(result.stderr).toContain('ZeroDivisionError: division by zero');
  });

  it('feeds stdin', async () => {
    expect((await sandbox.run({ code: 'a, b = map(int, input().split())\nprint(a + b)', stdin: '2 40\n', timeoutMs: 10_000 })).stdout).toBe('42\n');
  });

  it('treats sys.exit(0) as a clean end and sys.exit(1) as an error', async () => {
    expect((await sandbox.run({ code: 'import sys\nprint(1)\nsys.exit(0)', timeoutMs: 10_000 })).status).toBe('ok');
    expect(await sandbox.run({ code: 'import sys\nsys.exit(3)', timeoutMs: 10_000 })).toMatchObject({ status: 'error', errorType: 'SystemExit' });
  });

  it('stops runaway code at the timeout and stays usable', async () => {
    const result = await sandbox.run({ code: 'while True:\n    pass', timeoutMs: 1_000 });
    expect(result.status).toBe('timeout');
    expect((await sandbox.run({ code: 'print("alive")', timeoutMs: 10_000 })).stdout).toBe('alive\n');
  });

  it('lets a program use its own private work directory', async () => {
    const result = await sandbox.run({ code: 'import os\nopen("notes.txt", "w").write("x")\nprint(os.getcwd(), open("notes.txt").read())', timeoutMs: 10_000 });
    expect(result).toMatchObject({ status: 'ok', stdout: '/work x\n' });
  });

  it('keeps everyday standard-library code working under the guard', async () => {
    const code = [
      'import collections, dataclasses, enum, logging, typing, json, decimal, asyncio, re, itertools, functools, heapq, fractions, datetime',
      'P = collections.namedtuple("P", "x y")',
      'T = typing.TypeVar("T")',
      'Color = enum.Enum("Color", "red green")',
      '@dataclasses.dataclass\nclass D:\n    a: int',
      'async def main():\n    return 5',
      'logging.getLogger("x").warning("careful")',
      'print(P(1, 2), Color.red, D(3), asyncio.run(main()), decimal.Decimal(1) / 4, json.dumps({"a": 1}))',
    ].join('\n');
    const result = await sandbox.run({ code, timeoutMs: 20_000 });
    expect(result).toMatchObject({ status: 'ok', stdout: 'P(x=1, y=2) Color.red D(a=3) 5 0.25 {"a": 1}\n' });
    expect(result.stderr).toContain('careful');
  });

  it('cancels a run through its AbortSignal', async () => {
    const controller = new AbortController();
    const pending = sandbox.run({ code: 'while True:\n    pass', timeoutMs: 60_000 }, controller.signal);
    setTimeout(() => controller.abort(), 300);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect((await sandbox.run({ code: 'print(1)', timeoutMs: 10_000 })).stdout).toBe('1\n');
  });

  it('refuses with a typed error when bubblewrap is missing, instead of running unisolated', async () => {
    const missing = new SystemPythonSandbox({ bwrap: '/nonexistent/bwrap' });
    await expect(missing.run({ code: 'print(1)', timeoutMs: 5_000 })).rejects.toBeInstanceOf(SandboxUnavailableError);
    await expect(new SystemPythonSandbox({ python: '/nonexistent/python3' }).warmup()).rejects.toBeInstanceOf(SandboxUnavailableError);
  });
});

describe('system-python-numpy', () => {
  const scientific = new SystemPythonSandbox({ pool: 1, memoryMb: 2048, preload: ['numpy', 'pandas'] });
  afterAll(() => scientific.close());

  it('runs numpy and pandas inside the same isolation', async () => {
    const code = 'import numpy as np, pandas as pd, os\ndf = pd.DataFrame({"a": np.arange(4)})\nprint(int(df.a.rolling(2).sum().iloc[-1]), os.getuid(), "HOME" in os.environ and os.environ["HOME"])';
    expect(await scientific.run({ code, timeoutMs: 60_000 })).toMatchObject({ status: 'ok', stdout: '5 65534 /work\n' });
  }, 120_000);
});

describe('pyodide', () => {
  it('refuses untrusted code: it has no OS boundary', async () => {
    const pyodide = new PyodideSandbox({ workers: 1 });
    await expect(pyodide.run({ code: 'print(1)', timeoutMs: 5_000 })).rejects.toBeInstanceOf(SandboxUnavailableError);
    await pyodide.close();
  });
});
