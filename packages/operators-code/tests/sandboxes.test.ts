import { createServer, type Server } from 'node:net';
import { existsSync } from 'node:fs';
import type { Sandbox } from '@flowsteer/core';
import { AbortError } from '@flowsteer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PyodideSandbox, SystemPythonSandbox } from '../src/index.js';

const pyodide = new PyodideSandbox({ workers: 1, interruptGraceMs: 500 });
const system = new SystemPythonSandbox({ memoryMb: 256 });
let listener: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  await pyodide.warmup();
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
});

afterAll(async () => {
  await pyodide.close();
  await new Promise((resolve) => listener.close(resolve));
});

describe.each<[string, Sandbox]>([
  ['pyodide', pyodide],
  ['system-python', system],
])('%s sandbox', (_name, sandbox) => {
  it('runs a program and captures stdout', async () => {
    expect(await sandbox.run({ code: 'print(6*7)', timeoutMs: 5_000 })).toMatchObject({ status: 'ok', stdout: '42\n', stderr: '' });
  });

  it('reports exceptions with their type and a traceback into the program', async () => {
    const result = await sandbox.run({ code: 'def f():\n    return 1/0\nf()', timeoutMs: 5_000 });
    expect(result).toMatchObject({ status: 'error', errorType: 'ZeroDivisionError' });
    expect(result.stderr).toContain('File "<solution>", line 2, in f');
    expect(result.stderr).toContain('ZeroDivisionError: division by zero');
  });

  it('feeds stdin', async () => {
    expect((await sandbox.run({ code: 'a, b = map(int, input().split())\nprint(a + b)', stdin: '2 40\n', timeoutMs: 5_000 })).stdout).toBe('42\n');
  });

  it('stops runaway code at the timeout and stays usable', async () => {
    const result = await sandbox.run({ code: 'while True:\n    pass', timeoutMs: 400 });
    expect(result.status).toBe('timeout');
    expect((await sandbox.run({ code: 'print("alive")', timeoutMs: 5_000 })).stdout).toBe('alive\n');
  });

  it('cannot open a network connection', async () => {
    const before = connections;
    const result = await sandbox.run({ code: `import socket\ns = socket.create_connection(("127.0.0.1", ${port}), timeout=2)\ns.sendall(b"hi")\nprint("connected")`, timeoutMs: 5_000 });
    expect(result.status).toBe('error');
    expect(result.stdout).not.toContain('connected');
    expect(connections).toBe(before);
  });

  it('cannot write to the host filesystem outside its own directory', async () => {
    const target = `/tmp/flowsteer-escape-${Date.now()}.txt`;
    const result = await sandbox.run({ code: `open(${JSON.stringify(target)}, "w").write("x")\nprint(open(${JSON.stringify(target)}).read())`, timeoutMs: 5_000 });
    // pyodide writes land in its in-memory filesystem; system-python refuses the write.
    if (sandbox.id === 'system-python') expect(result).toMatchObject({ status: 'error', errorType: 'PermissionError' });
    else expect(result).toMatchObject({ status: 'ok', stdout: 'x\n' });
    expect(existsSync(target)).toBe(false);
  });

  it('does not leak modules between runs', async () => {
    await sandbox.run({ code: 'import sys, types\nm = types.ModuleType("leaky")\nm.x = 1\nsys.modules["leaky"] = m', timeoutMs: 5_000 });
    expect((await sandbox.run({ code: 'import leaky', timeoutMs: 5_000 })).errorType).toBe('ModuleNotFoundError');
  });

  it('cancels a run through its AbortSignal', async () => {
    const controller = new AbortController();
    const pending = sandbox.run({ code: 'while True:\n    pass', timeoutMs: 30_000 }, controller.signal);
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect((await sandbox.run({ code: 'print(1)', timeoutMs: 5_000 })).stdout).toBe('1\n');
  });
});

describe('pyodide isolation', () => {
  it('has no route to the JavaScript host or the real filesystem', async () => {
    for (const code of ['import js', 'import pyodide', 'from pyodide.ffi import to_js', 'import pyodide_js']) {
      expect((await pyodide.run({ code, timeoutMs: 5_000 })).errorType, code).toBe('ImportError');
    }
    expect((await pyodide.run({ code: 'open("/etc/passwd").read()', timeoutMs: 5_000 })).errorType).toBe('FileNotFoundError');
  });
});

describe('system-python limits', () => {
  it('enforces the memory cap and refuses processes', async () => {
    expect((await system.run({ code: 'x = bytearray(1024 * 1024 * 1024)', timeoutMs: 5_000 })).status).toBe('memory');
    const spawn = await system.run({ code: 'import subprocess\nsubprocess.run(["true"])', timeoutMs: 5_000 });
    expect(spawn).toMatchObject({ status: 'error', errorType: 'PermissionError' });
  });
});
