import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { SandboxUnavailableError } from './sandbox-errors.js';
import { readReport, type Report } from '@flowsteer/code-harness';

const BOOT_TIMEOUT_MS = 60_000;

/** What one isolated interpreter did with its one program. */
export interface ProcessOutcome {
  readonly stdout: string;
  readonly stderr: string;
  /** The signed report, or why there is none. */
  readonly report: Report | { readonly missing: 'none' | 'forged' };
  readonly ended: 'exit' | 'timeout' | 'output-limit' | 'abort';
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ProcessJob {
  readonly code: string;
  readonly stdin: string;
  readonly timeoutMs: number;
  readonly cpuSeconds: number;
  readonly maxOutputBytes: number;
  readonly signal?: AbortSignal;
}

/**
 * One pre-started interpreter under bubblewrap, used for exactly one program. `ready` settles
 * once the interpreter has locked itself down and waits on stdin; `execute` sends the key and the
 * job, enforces the deadline and the output caps while reading, and kills the whole sandbox
 * (its process group; the pid namespace takes every descendant with it) when it overstays.
 */
export class IsolatedProcess {
  readonly ready: Promise<void>;
  readonly #child: ChildProcess;
  #control = Buffer.alloc(0);
  #exited = false;
  #readyLine = false;
  #bootError = '';
  readonly #exitWaiters: Array<() => void> = [];
  #onControl: (() => void) | undefined;

  constructor(bwrap: string, args: readonly string[]) {
    this.#child = spawn(bwrap, args, { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], detached: true, env: {} });
    const control = this.#child.stdio[3] as Readable;
    this.ready = new Promise<void>((resolve, reject) => {
      const onBootData = (chunk: Buffer): void => {
        if (this.#bootError.length < 4000) this.#bootError += chunk.toString('utf8');
      };
      this.#child.stderr?.on('data', onBootData);
      control.on('data', (chunk: Buffer) => {
        this.#control = Buffer.concat([this.#control, chunk]);
        this.#onControl?.();
        if (!this.#readyLine && this.#control[0] === 0x52) {
          this.#readyLine = true;
          this.#control = this.#control.subarray(1);
          this.#child.stderr?.off('data', onBootData);
          resolve();
        }
      });
      // A sandbox that cannot get ready (a hung mount, a starved machine) is given up, not waited on forever.
      const bootTimer = setTimeout(() => {
        if (this.#readyLine) return;
        this.kill();
        reject(new SandboxUnavailableError('bubblewrap', `the sandbox did not get ready within ${BOOT_TIMEOUT_MS} ms`));
      }, BOOT_TIMEOUT_MS);
      bootTimer.unref();
      this.#child.once('error', (error) => reject(new SandboxUnavailableError('bubblewrap', `cannot start ${bwrap}: ${error.message}`, { cause: error })));
      this.#child.once('exit', (code, signal) => {
        this.#exited = true;
        for (const wake of this.#exitWaiters.splice(0)) wake();
        if (!this.#readyLine) reject(new SandboxUnavailableError(/seccomp/.test(this.#bootError) ? 'seccomp' : 'bubblewrap', `the sandbox exited before it was ready (${signal ?? `code ${code}`}): ${this.#bootError.trim() || 'no message'}`));
      });
    });
    // A slot that fails to boot is reported by whoever awaits it; never as an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** False once the interpreter has exited (an idle one may be killed from outside). */
  get alive(): boolean {
    return !this.#exited;
  }

  /** Kills the sandbox and everything in it. */
  kill(): void {
    if (this.#exited || this.#child.pid === undefined) return;
    try {
      process.kill(-this.#child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  async execute(job: ProcessJob): Promise<ProcessOutcome> {
    if (!this.#readyLine && job.signal !== undefined) {
      // A cold start can be cancelled too.
      const signal = job.signal;
      const aborted = await new Promise<boolean>((resolve, reject) => {
        const onAbort = (): void => resolve(true);
        if (signal.aborted) return resolve(true);
        signal.addEventListener('abort', onAbort, { once: true });
        this.ready.then(
          () => {
            signal.removeEventListener('abort', onAbort);
            resolve(false);
          },
          (error: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(error);
          },
        );
      });
      if (aborted) {
        this.kill();
        return { stdout: '', stderr: '', report: { missing: 'none' }, ended: 'abort', exitCode: null, signal: null };
      }
    }
    await this.ready;
    const key = randomBytes(32);
    // Written by the runner after its last flush of each stream; like the key, the program cannot learn it.
    const endMark = Buffer.from(`\u0000${randomBytes(16).toString('hex')}\u0000`, 'latin1');
    const child = this.#child;
    return new Promise<ProcessOutcome>((resolve) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      let ended: ProcessOutcome['ended'] = 'exit';
      let settled = false;
      const stop = (why: ProcessOutcome['ended']): void => {
        if (ended === 'exit') ended = why;
        this.kill();
      };
      const tails = { out: Buffer.alloc(0), err: Buffer.alloc(0) };
      const collect = (sink: Buffer[], which: 'out' | 'err') => (chunk: Buffer): void => {
        const used = which === 'out' ? (outBytes += chunk.length) : (errBytes += chunk.length);
        if (used > job.maxOutputBytes + endMark.length) {
          sink.push(chunk.subarray(0, Math.max(0, chunk.length - (used - job.maxOutputBytes))));
          stop('output-limit');
          return;
        }
        sink.push(chunk);
        tails[which] = Buffer.concat([tails[which], chunk]).subarray(-endMark.length);
        finishEarly();
      };
      const complete = (tail: Buffer): boolean => tail.equals(endMark);
      // The report and both streams are complete: answer now instead of waiting for the namespaces to tear down.
      const finishEarly = (): void => {
        if (ended === 'exit' && complete(tails.out) && complete(tails.err) && this.#control.includes(0x0a)) {
          finish();
          this.kill();
        }
      };
      this.#onControl = finishEarly;
      child.stdout?.on('data', collect(out, 'out'));
      child.stderr?.on('data', collect(err, 'err'));
      const timer = setTimeout(() => stop('timeout'), job.timeoutMs);
      const onAbort = (): void => stop('abort');
      job.signal?.addEventListener('abort', onAbort, { once: true });
      const finish = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        job.signal?.removeEventListener('abort', onAbort);
        // Nothing inside can outlive the sandbox's pid namespace; the streams are closed for good.
        for (const stream of [child.stdout, child.stderr, child.stdio[3] as Readable | null]) stream?.destroy();
        this.#onControl = undefined;
        const report = ended === 'exit' ? readReport(this.#control, key) : { missing: 'none' as const };
        const text = (chunks: Buffer[]): string => {
          const all = Buffer.concat(chunks);
          return (all.subarray(-endMark.length).equals(endMark) ? all.subarray(0, -endMark.length) : all).toString('utf8');
        };
        resolve({ stdout: text(out), stderr: text(err), report, ended, exitCode: child.exitCode, signal: child.signalCode });
      };
      // Resolve when the process has exited and its pipes drained, or shortly after the exit if
      // something still holds a pipe (it cannot: the namespace is gone), never later.
      const onExit = (): void => {
        let drained = 0;
        const check = (): void => {
          if (++drained === 3) finish();
        };
        for (const stream of [child.stdout, child.stderr, child.stdio[3] as Readable | null]) {
          if (stream === null || stream.readableEnded || stream.destroyed) check();
          else stream.once('close', check);
        }
        setTimeout(finish, 1_000).unref();
      };
      if (this.#exited) onExit();
      else this.#exitWaiters.push(onExit);
      const stdin = child.stdin as Writable;
      stdin.on('error', () => undefined);
      stdin.end(`${key.toString('hex')}\n${JSON.stringify({ code: job.code, stdin: job.stdin, cpuSeconds: job.cpuSeconds, endMark: endMark.toString('latin1') })}`);
    });
  }
}
