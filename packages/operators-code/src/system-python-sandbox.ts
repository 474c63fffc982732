import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbortError, SandboxError, type Sandbox, type SandboxRequest, type SandboxResult } from '@flowsteer/core';
import { MAX_OUTPUT_CHARS, RUNNER_PY } from './python.js';

export interface SystemPythonSandboxOptions {
  /** The interpreter; defaults to `python3` on PATH. */
  readonly python?: string;
  readonly timeoutMs?: number;
  /** Address-space limit for the child, in MiB. */
  readonly memoryMb?: number;
  /** Largest file the program may write, in MiB. */
  readonly fileSizeMb?: number;
}

/**
 * The guard run before the program: resource limits, then an audit hook that refuses network,
 * process creation and file writes outside the run's own temporary directory. It is a fence
 * against accidents and naive escapes, not a hardened jail: use the pyodide sandbox for
 * untrusted code, this one when a benchmark needs third-party libraries.
 */
function prelude(memoryMb: number, fileSizeMb: number, cpuSeconds: number): string {
  return String.raw`
import os as _os, sys as _sys, resource as _resource
_resource.setrlimit(_resource.RLIMIT_AS, (${memoryMb} * 1024 * 1024, ${memoryMb} * 1024 * 1024))
_resource.setrlimit(_resource.RLIMIT_FSIZE, (${fileSizeMb} * 1024 * 1024, ${fileSizeMb} * 1024 * 1024))
_resource.setrlimit(_resource.RLIMIT_CPU, (${cpuSeconds}, ${cpuSeconds} + 1))
_resource.setrlimit(_resource.RLIMIT_CORE, (0, 0))
_HOME = _os.path.realpath(_os.getcwd())
_DENY = ('socket.', 'subprocess.', 'os.system', 'os.exec', 'os.posix_spawn', 'os.spawn', 'os.fork', 'os.forkpty', 'os.kill', 'pty.', 'ctypes.', 'shutil.rmtree', 'os.remove', 'os.unlink', 'os.rmdir', 'os.rename', 'os.chmod', 'os.chown', 'os.symlink', 'os.link')
def _flowsteer_audit(event, args):
    if event.startswith(_DENY):
        raise PermissionError('sandbox: %s is not allowed' % event)
    if event == 'open':
        path, mode = args[0], args[1]
        writing = isinstance(mode, str) and any(c in mode for c in 'wax+')
        if isinstance(mode, int):
            writing = bool(mode & (_os.O_WRONLY | _os.O_RDWR | _os.O_CREAT | _os.O_APPEND))
        if writing and isinstance(path, (str, bytes)):
            real = _os.path.realpath(path if isinstance(path, str) else path.decode())
            if not (real == _HOME or real.startswith(_HOME + _os.sep)):
                raise PermissionError('sandbox: writing outside the run directory is not allowed: %s' % (path,))
_sys.addaudithook(_flowsteer_audit)
`;
}

const MAIN_PY = String.raw`
import sys as _sys
with open('program.py', encoding='utf-8') as _f:
    _code = _f.read()
with open('stdin.txt', encoding='utf-8') as _f:
    _stdin = _f.read()
_result = _flowsteer_run(_code, _stdin)
_sys.__stdout__.write('\n__FLOWSTEER_RESULT__' + _result + '\n')
`;

/**
 * Runs each program in a fresh `python3 -I` process in its own temporary directory, with
 * resource limits, an audit-hook fence, and a hard kill of the whole process group on timeout.
 */
export class SystemPythonSandbox implements Sandbox {
  readonly id = 'system-python';
  readonly #python: string;
  readonly #timeoutMs: number;
  readonly #memoryMb: number;
  readonly #fileSizeMb: number;

  constructor(options: SystemPythonSandboxOptions = {}) {
    this.#python = options.python ?? 'python3';
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#memoryMb = options.memoryMb ?? 1024;
    this.#fileSizeMb = options.fileSizeMb ?? 16;
  }

  async run(request: SandboxRequest, signal?: AbortSignal): Promise<SandboxResult> {
    if (signal?.aborted === true) throw new AbortError('sandbox run', { cause: signal.reason });
    const timeoutMs = request.timeoutMs > 0 ? request.timeoutMs : this.#timeoutMs;
    const memoryMb = request.memoryMb ?? this.#memoryMb;
    const dir = await mkdtemp(join(tmpdir(), 'flowsteer-py-'));
    const started = performance.now();
    try {
      const bootstrap = `${prelude(memoryMb, this.#fileSizeMb, Math.ceil(timeoutMs / 1000) + 1)}\n${RUNNER_PY}\n${MAIN_PY}`;
      await Promise.all([writeFile(join(dir, 'program.py'), request.code), writeFile(join(dir, 'stdin.txt'), request.stdin ?? ''), writeFile(join(dir, 'bootstrap.py'), bootstrap)]);
      return await this.#spawn(dir, timeoutMs, signal, started);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {}

  #spawn(dir: string, timeoutMs: number, signal: AbortSignal | undefined, started: number): Promise<SandboxResult> {
    return new Promise<SandboxResult>((resolve, reject) => {
      const child = spawn(this.#python, ['-I', 'bootstrap.py'], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, PYTHONDONTWRITEBYTECODE: '1' } });
      let stdout = '';
      let stderr = '';
      let killedFor: 'timeout' | 'abort' | undefined;
      const killGroup = (): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      const timer = setTimeout(() => {
        killedFor = 'timeout';
        killGroup();
      }, timeoutMs);
      const onAbort = (): void => {
        killedFor = 'abort';
        killGroup();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (chunk: Buffer) => {
        if (stdout.length < MAX_OUTPUT_CHARS * 2) stdout += chunk.toString('utf8');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < MAX_OUTPUT_CHARS) stderr += chunk.toString('utf8');
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new SandboxError(`cannot start ${this.#python}: ${error.message}`, { cause: error }));
      });
      child.on('close', (code, sig) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const durationMs = performance.now() - started;
        if (killedFor === 'abort') {
          reject(new AbortError('sandbox run', { cause: signal?.reason }));
          return;
        }
        if (killedFor === 'timeout') {
          resolve({ status: 'timeout', stdout: '', stderr: `Timed out after ${timeoutMs} ms (process killed)\n`, errorType: 'Timeout', durationMs });
          return;
        }
        const marker = stdout.lastIndexOf('\n__FLOWSTEER_RESULT__');
        if (marker === -1) {
          // No result line: the interpreter died (CPU limit, memory, a signal) before reporting.
          const status = sig === 'SIGXCPU' || sig === 'SIGKILL' ? 'killed' : 'error';
          resolve({ status, stdout: '', stderr: `${stderr}python exited with ${sig ?? `code ${code}`}\n`, errorType: sig ?? 'Crashed', durationMs });
          return;
        }
        const line = stdout.slice(marker + '\n__FLOWSTEER_RESULT__'.length).split('\n')[0] ?? '';
        try {
          const parsed = JSON.parse(line) as { status: SandboxResult['status']; stdout: string; stderr: string; errorType: string | null };
          resolve({ status: parsed.status, stdout: parsed.stdout, stderr: parsed.stderr, ...(parsed.errorType === null ? {} : { errorType: parsed.errorType }), durationMs });
        } catch {
          resolve({ status: 'error', stdout: '', stderr: 'sandbox result line was unreadable', errorType: 'SandboxError', durationMs });
        }
      });
    });
  }
}
