import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { SandboxUnavailableError } from './sandbox-errors.js';
import { AbortError, SandboxError, type Sandbox, type SandboxRequest, type SandboxResult } from '@flowsteer/core';

export interface PyodideSandboxOptions {
  /** Worker threads, each with its own Python interpreter. */
  readonly workers?: number;
  /** Default per-run timeout when a request gives none. */
  readonly timeoutMs?: number;
  /** A worker whose WebAssembly heap grows past this is replaced after the run. */
  readonly memoryMb?: number;
  /** Time allowed for a KeyboardInterrupt to land before the worker is terminated. */
  readonly interruptGraceMs?: number;
  /**
   * Runs programs although the interpreter shares this process (worker threads, no OS boundary).
   * Only for code you wrote yourself; without it every run refuses with SandboxUnavailableError.
   */
  readonly trustedCodeOnly?: boolean;
}

interface Slot {
  worker: Worker;
  interrupt: Uint8Array;
  ready: Promise<void>;
  busy: boolean;
}

interface WorkerReply {
  readonly id?: number;
  readonly ready?: boolean;
  readonly result?: { status: SandboxResult['status']; stdout: string; stderr: string; errorType: string | null };
  readonly heapBytes?: number;
}

const require = createRequire(import.meta.url);
const indexURL = `${dirname(require.resolve('pyodide/package.json'))}/`;
// Under a TypeScript test runner this module runs from src/, but the worker must be plain JS.
const builtWorker = new URL('./pyodide-worker.js', import.meta.url);
const workerUrl = existsSync(fileURLToPath(builtWorker)) ? builtWorker : new URL('../dist/pyodide-worker.js', import.meta.url);

/**
 * Not a sandbox for untrusted code: pyodide runs in worker threads of this process, and programs
 * have been shown to reach the host from it (os.system through Node, emscripten_run_script,
 * removing the import guard). It refuses to run unless `trustedCodeOnly` is set.
 *
 * CPython compiled to WebAssembly (pyodide, loaded offline from node_modules) in
 * a pool of worker threads. Programs see an in-memory filesystem and no network, and the modules
 * that bridge to the JavaScript host are removed. A run that overstays its timeout gets a
 * KeyboardInterrupt; if that does not land, the worker is terminated and replaced.
 */
export class PyodideSandbox implements Sandbox {
  readonly id = 'pyodide';
  readonly #slots: Slot[] = [];
  readonly #waiting: Array<() => void> = [];
  readonly #size: number;
  readonly #timeoutMs: number;
  readonly #memoryBytes: number;
  readonly #graceMs: number;
  readonly #trustedCodeOnly: boolean;
  #nextId = 1;
  #closed = false;

  constructor(options: PyodideSandboxOptions = {}) {
    this.#size = options.workers ?? 2;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#memoryBytes = (options.memoryMb ?? 512) * 1024 * 1024;
    this.#graceMs = options.interruptGraceMs ?? 1_000;
    this.#trustedCodeOnly = options.trustedCodeOnly === true;
  }

  /** Starts every worker now instead of on first use (pyodide takes ~2 s to load). */
  async warmup(): Promise<void> {
    if (!this.#trustedCodeOnly) throw new SandboxUnavailableError('os-boundary', 'pyodide is not isolated from this process; see run()');
    while (this.#slots.length < this.#size) this.#slots.push(this.#spawn());
    await Promise.all(this.#slots.map((slot) => slot.ready));
  }

  async run(request: SandboxRequest, signal?: AbortSignal): Promise<SandboxResult> {
    if (this.#closed) throw new SandboxError('sandbox is closed');
    if (!this.#trustedCodeOnly) throw new SandboxUnavailableError('os-boundary', "pyodide runs inside this process's worker threads, which is no boundary for untrusted code; use the system-python sandbox (or trustedCodeOnly for code you wrote)");
    const slot = await this.#acquire(signal);
    const started = performance.now();
    try {
      await slot.ready;
      return await this.#execute(slot, request, signal, started);
    } finally {
      slot.busy = false;
      this.#waiting.shift()?.();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  #spawn(): Slot {
    const interruptBuffer = new SharedArrayBuffer(1);
    const worker = new Worker(workerUrl, {
      workerData: { indexURL, interruptBuffer },
      env: {},
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    worker.unref();
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: WorkerReply): void => {
        if (message.ready === true) {
          worker.off('message', onMessage);
          worker.off('error', reject);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.once('error', (error) => reject(new SandboxError(`pyodide worker failed to start: ${error.message}`, { cause: error })));
      worker.once('exit', (code) => reject(new SandboxError(`pyodide worker exited with code ${code} before it was ready`)));
    });
    ready.catch(() => undefined);
    return { worker, interrupt: new Uint8Array(interruptBuffer), ready, busy: false };
  }

  async #acquire(signal?: AbortSignal): Promise<Slot> {
    for (;;) {
      if (signal?.aborted === true) throw new AbortError('waiting for a sandbox worker', { cause: signal.reason });
      const free = this.#slots.find((slot) => !slot.busy);
      if (free !== undefined) {
        free.busy = true;
        return free;
      }
      if (this.#slots.length < this.#size) {
        const slot = this.#spawn();
        slot.busy = true;
        this.#slots.push(slot);
        return slot;
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  #replace(slot: Slot): void {
    void slot.worker.terminate();
    const fresh = this.#spawn();
    slot.worker = fresh.worker;
    slot.interrupt = fresh.interrupt;
    slot.ready = fresh.ready;
  }

  #execute(slot: Slot, request: SandboxRequest, signal: AbortSignal | undefined, started: number): Promise<SandboxResult> {
    const id = this.#nextId++;
    const timeoutMs = request.timeoutMs > 0 ? request.timeoutMs : this.#timeoutMs;
    // Listeners stay on this worker even if the slot gets a replacement mid-run.
    const worker = slot.worker;
    const interrupt = slot.interrupt;
    return new Promise<SandboxResult>((resolve, reject) => {
      let settled = false;
      let killTimer: NodeJS.Timeout | undefined;
      const finish = (outcome: SandboxResult | Error, replace: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(interruptTimer);
        clearTimeout(killTimer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
        if (replace) this.#replace(slot);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const failure = (status: 'killed' | 'timeout', stderr: string): SandboxResult => ({ status, stdout: '', stderr, errorType: status === 'timeout' ? 'Timeout' : 'Killed', durationMs: performance.now() - started });
      const onMessage = (message: WorkerReply): void => {
        if (message.id !== id || message.result === undefined) return;
        const { status, stdout, stderr, errorType } = message.result;
        const result: SandboxResult = { status, stdout, stderr: status === 'timeout' ? `${stderr}Timed out after ${timeoutMs} ms\n` : stderr, ...(errorType === null ? {} : { errorType }), durationMs: performance.now() - started };
        finish(result, (message.heapBytes ?? 0) > this.#memoryBytes);
      };
      const onExit = (code: number): void => finish(failure('killed', `sandbox worker exited with code ${code}\n`), true);
      const onAbort = (): void => finish(new AbortError('sandbox run', { cause: signal?.reason }), true);
      const interruptTimer = setTimeout(() => {
        interrupt[0] = 2; // SIGINT: raises KeyboardInterrupt inside Python
        killTimer = setTimeout(() => finish(failure('timeout', `Timed out after ${timeoutMs} ms; the interpreter did not respond and was terminated\n`), true), this.#graceMs);
      }, timeoutMs);
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({ id, code: request.code, stdin: request.stdin ?? '' });
    });
  }
}
