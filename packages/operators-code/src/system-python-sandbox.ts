import { availableParallelism } from 'node:os';
import { AbortError, SandboxError, type Sandbox, type SandboxRequest, type SandboxResult } from '@flowsteer/core';
import { bubblewrapArgs, locateBubblewrap, probeInterpreter, type SandboxLimits } from './bubblewrap.js';
import { IsolatedProcess, type ProcessOutcome } from './isolated-process.js';
import { ISOLATED_RUNNER_PY } from './isolated-runner-source.js';

export interface SystemPythonSandboxOptions {
  /** The interpreter; defaults to Debian's `/usr/bin/python3` (with python3-numpy and python3-pandas when installed). */
  readonly python?: string;
  /** bubblewrap; defaults to `bwrap` on PATH. */
  readonly bwrap?: string;
  readonly timeoutMs?: number;
  /** Address-space limit (RLIMIT_AS) of the interpreter, in MiB. */
  readonly memoryMb?: number;
  /** Largest file the program may write (RLIMIT_FSIZE), in MiB. */
  readonly fileSizeMb?: number;
  /** Size of the private tmpfs mounted at /work and /tmp, in MiB. */
  readonly workDirMb?: number;
  /** Bytes kept of stdout and of stderr; a program that prints more is killed. */
  readonly maxOutputBytes?: number;
  /** Interpreters kept started and locked down, each waiting for one program. */
  readonly pool?: number;
  /** Programs running at once; later ones wait. Defaults to the number of CPUs. */
  readonly concurrency?: number;
  /** Modules imported before the lock-down (e.g. `numpy`), so programs do not pay for them. */
  readonly preload?: readonly string[];
}

interface Prepared {
  readonly bwrap: string;
  readonly args: readonly string[];
}

/**
 * System CPython, each program in its own interpreter under bubblewrap (see the package README
 * for which mechanism stops which attack). A pool of pre-started interpreters keeps warm runs
 * fast; each is used once and replaced. If bubblewrap, namespaces or seccomp are unavailable it
 * refuses with SandboxUnavailableError — it never runs code with less isolation.
 */
export class SystemPythonSandbox implements Sandbox {
  readonly id = 'system-python';
  readonly #options: SystemPythonSandboxOptions;
  readonly #timeoutMs: number;
  readonly #poolSize: number;
  readonly #concurrency: number;
  readonly #maxOutputBytes: number;
  readonly #idle: IsolatedProcess[] = [];
  readonly #starting = new Set<IsolatedProcess>();
  readonly #waiting: Array<() => void> = [];
  #prepared: Prepared | undefined;
  #running = 0;
  #closed = false;

  constructor(options: SystemPythonSandboxOptions = {}) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#poolSize = Math.max(0, options.pool ?? 2);
    this.#concurrency = Math.max(1, options.concurrency ?? availableParallelism());
    this.#maxOutputBytes = options.maxOutputBytes ?? 1_000_000;
  }

  /** Checks every mechanism and starts the pool; throws SandboxUnavailableError if one is missing. */
  async warmup(): Promise<void> {
    this.#prepare();
    this.#refill();
    await Promise.all([...this.#starting].map((slot) => slot.ready));
  }

  async run(request: SandboxRequest, signal?: AbortSignal): Promise<SandboxResult> {
    if (this.#closed) throw new SandboxError('sandbox is closed');
    if (signal?.aborted === true) throw new AbortError('sandbox run', { cause: signal.reason });
    this.#prepare();
    await this.#acquire(signal);
    const started = performance.now();
    try {
      const slot = this.#take();
      const timeoutMs = request.timeoutMs > 0 ? request.timeoutMs : this.#timeoutMs;
      const outcome = await slot.execute({ code: request.code, stdin: request.stdin ?? '', timeoutMs, cpuSeconds: Math.ceil(timeoutMs / 1000) + 1, maxOutputBytes: this.#maxOutputBytes, ...(signal === undefined ? {} : { signal }) });
      if (outcome.ended === 'abort') throw new AbortError('sandbox run', { cause: signal?.reason });
      return toResult(outcome, timeoutMs, performance.now() - started);
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const slot of [...this.#idle.splice(0), ...this.#starting]) slot.kill();
    this.#starting.clear();
  }

  #prepare(): Prepared {
    if (this.#prepared !== undefined) return this.#prepared;
    const bwrap = locateBubblewrap(this.#options.bwrap);
    const layout = probeInterpreter(this.#options.python ?? '/usr/bin/python3');
    const limits: SandboxLimits = { memoryMb: this.#options.memoryMb ?? 1024, fileSizeMb: this.#options.fileSizeMb ?? 16, workDirMb: this.#options.workDirMb ?? 64, openFiles: 64 };
    this.#prepared = { bwrap, args: bubblewrapArgs(layout, limits, ISOLATED_RUNNER_PY, this.#options.preload ?? []) };
    return this.#prepared;
  }

  async #acquire(signal: AbortSignal | undefined): Promise<void> {
    while (this.#running >= this.#concurrency) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => reject(new AbortError('sandbox run', { cause: signal?.reason }));
        signal?.addEventListener('abort', onAbort, { once: true });
        this.#waiting.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
    this.#running++;
  }

  /** A started interpreter if one is idle (warm), else a new one (cold); the pool refills behind it. */
  #take(): IsolatedProcess {
    let slot = this.#idle.shift();
    while (slot !== undefined && !slot.alive) slot = this.#idle.shift();
    slot ??= this.#start(false);
    this.#refill();
    return slot;
  }

  #refill(): void {
    while (!this.#closed && this.#idle.length + this.#starting.size < this.#poolSize) this.#start(true);
  }

  #start(pooled: boolean): IsolatedProcess {
    const { bwrap, args } = this.#prepare();
    const slot = new IsolatedProcess(bwrap, args);
    if (pooled) {
      this.#starting.add(slot);
      slot.ready.then(
        () => {
          if (!this.#starting.delete(slot)) return;
          if (this.#closed) slot.kill();
          else this.#idle.push(slot);
        },
        () => this.#starting.delete(slot),
      );
    }
    return slot;
  }
}

function toResult(outcome: ProcessOutcome, timeoutMs: number, durationMs: number): SandboxResult {
  const { stdout, report } = outcome;
  let stderr = outcome.stderr;
  if (outcome.ended === 'timeout') return { status: 'timeout', stdout, stderr: `${stderr}Timed out after ${timeoutMs} ms (sandbox killed)\n`, errorType: 'Timeout', durationMs };
  if (outcome.ended === 'output-limit') return { status: 'killed', stdout, stderr: `${stderr}Output limit exceeded (sandbox killed)\n`, errorType: 'OutputLimit', durationMs };
  if ('missing' in report) {
    if (report.missing === 'forged') return { status: 'error', stdout, stderr: `${stderr}The program wrote to the sandbox's report channel; its result is void\n`, errorType: 'ReportForged', durationMs };
    // No report: the interpreter died or left early (os._exit, a signal, the CPU limit).
    if (outcome.signal === 'SIGXCPU') return { status: 'timeout', stdout, stderr: `${stderr}CPU time limit exceeded\n`, errorType: 'CpuLimit', durationMs };
    stderr += `The program ended without the sandbox's report (${outcome.signal ?? `exit code ${outcome.exitCode}`})\n`;
    return { status: outcome.signal === null ? 'error' : 'killed', stdout, stderr, errorType: outcome.signal ?? 'EarlyExit', durationMs };
  }
  if (report.errorType === 'ImportError' && stderr.includes('failed to map segment')) {
    stderr += 'Hint: native extension modules load only before the sandbox locks down; numpy and pandas are preloaded in the system-python-numpy sandbox\n';
  }
  const status = report.status === 'ok' || report.status === 'error' || report.status === 'memory' ? report.status : 'error';
  const tests = report.suite === undefined ? undefined : { passed: report.suite.passed, total: report.suite.total, failed: report.suite.failed, ...(report.suite.errorType === '' ? {} : { errorType: report.suite.errorType }), ...(report.suite.error === '' ? {} : { error: report.suite.error }) };
  return { status, stdout, stderr, ...(report.errorType === '' ? {} : { errorType: report.errorType }), durationMs, ...(tests === undefined ? {} : { tests }) };
}
