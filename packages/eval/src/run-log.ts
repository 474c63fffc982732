import { hostname } from 'node:os';
import { mkdir, open, readFile, rename, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FlowSteerError } from '@flowsteer/core';

/**
 * The durable parts of a run directory: an append-only JSONL log that never loses an
 * acknowledged record (short writes are looped, every record is fsynced, a failed write is
 * rolled back, a torn tail left by a kill is cut off before appending) and a lock so two
 * processes never write one run.
 */

export class RunDirectoryError extends FlowSteerError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('VALIDATION_FAILED', message, { details });
  }
}

/** Reads every complete record; an incomplete last line (a kill mid-write) is reported, not parsed. */
export async function readLog<T>(path: string): Promise<{ records: T[]; tornBytes: number }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], tornBytes: 0 };
    throw error;
  }
  const end = text.lastIndexOf('\n') + 1;
  const records: T[] = [];
  text
    .slice(0, end)
    .split('\n')
    .forEach((line, index) => {
      if (line.trim() === '') return;
      try {
        records.push(JSON.parse(line) as T);
      } catch {
        throw new RunDirectoryError(`${path}:${index + 1} is not valid JSON; the run log is damaged in the middle (not a torn tail), so it is left as it is`, { path, line: index + 1 });
      }
    });
  return { records, tornBytes: Buffer.byteLength(text.slice(end)) };
}

/** The part of a file handle the log writes through (a seam for fault-injection tests). */
export interface LogHandle {
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

/** Writes all of `data`, looping over short writes. */
export async function writeFully(handle: Pick<LogHandle, 'write'>, data: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset, position + offset);
    if (bytesWritten <= 0) throw new Error('the write made no progress');
    offset += bytesWritten;
  }
}

export class DurableLog {
  #queue: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly handle: LogHandle,
    private size: number,
  ) {}

  /** Opens the log for appending, first cutting off a torn last line. */
  static async open(path: string, options: { wrap?: (handle: FileHandle) => LogHandle } = {}): Promise<{ log: DurableLog; tornBytes: number }> {
    let tornBytes = 0;
    try {
      const { tornBytes: torn } = await readLog(path);
      tornBytes = torn;
      if (torn > 0) await truncate(path, (await stat(path)).size - torn);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const file = await open(path, 'a+');
    const handle: LogHandle = options.wrap?.(file) ?? file;
    const size = (await handle.stat()).size;
    return { log: new DurableLog(path, handle, size), tornBytes };
  }

  /** Appends one record; resolves once it is on disk. A failed write leaves no partial line. */
  append(record: unknown): Promise<void> {
    const data = Buffer.from(`${JSON.stringify(record)}\n`);
    const next = this.#queue.then(async () => {
      const start = this.size;
      try {
        await writeFully(this.handle, data, start);
        await this.handle.sync();
        this.size = start + data.length;
      } catch (error) {
        await this.handle.truncate(start).catch(() => undefined);
        throw new RunDirectoryError(`cannot append to ${this.path}: ${(error as Error).message}`, { path: this.path });
      }
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.#queue;
    await this.handle.close();
  }
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An exclusive lock on a run directory; a lock left by a dead process on this host is taken over. */
export class RunLock {
  private constructor(readonly path: string) {}

  static async acquire(dir: string): Promise<RunLock> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, '.lock');
    const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const handle = await open(path, 'wx');
        await handle.writeFile(JSON.stringify(owner));
        await handle.sync();
        await handle.close();
        return new RunLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let holder: LockOwner | undefined;
      try {
        holder = JSON.parse(await readFile(path, 'utf8')) as LockOwner;
      } catch {
        holder = undefined;
      }
      if (holder !== undefined && (holder.host !== owner.host || alive(holder.pid))) {
        throw new RunDirectoryError(`${dir} is in use by process ${holder.pid} on ${holder.host} (since ${holder.since}); wait for it to finish or use another --out`, { dir, pid: holder.pid });
      }
      // Stale (its process is gone) or unreadable: move it aside atomically and retry.
      await rename(path, `${path}.stale-${process.pid}`).catch(() => undefined);
      await rm(`${path}.stale-${process.pid}`, { force: true });
    }
    throw new RunDirectoryError(`cannot lock ${dir}`, { dir });
  }

  async release(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
