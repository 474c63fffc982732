import { readFile, readdir, rm } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { appendLineDurable, writeFileAtomic } from './atomic.js';
import type { Store } from './contracts/store.js';
import { StoreError } from './errors.js';

const KEY_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

function checkKey(key: string): string {
  if (!KEY_PATTERN.test(key) || key.split('/').some((part) => part === '..')) {
    throw new StoreError(`invalid store key "${key}": use letters, digits, '.', '_', '-' and '/' separators`);
  }
  return key;
}

function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}

/**
 * A Store on the local filesystem: documents are `<key>.json`, streams are `<stream>.jsonl`.
 * Appends to one stream are serialised within the process so lines never interleave.
 */
export class FileStore implements Store {
  readonly location: string;
  readonly #appendQueues = new Map<string, Promise<void>>();

  constructor(directory: string) {
    this.location = directory;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const path = this.#path(key, '.json');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw new StoreError(`cannot read ${path}`, { cause: error });
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new StoreError(`${path} is not valid JSON`, { cause: error });
    }
  }

  async put(key: string, value: unknown): Promise<void> {
    await writeFileAtomic(this.#path(key, '.json'), `${JSON.stringify(value, null, 2)}\n`);
  }

  async delete(key: string): Promise<boolean> {
    const path = this.#path(key, '.json');
    try {
      await rm(path);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw new StoreError(`cannot delete ${path}`, { cause: error });
    }
  }

  /** Keys of documents (not streams) under `prefix`, sorted. */
  async list(prefix = ''): Promise<readonly string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.location, { recursive: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw new StoreError(`cannot list ${this.location}`, { cause: error });
    }
    return entries
      .filter((entry) => entry.endsWith('.json') && !entry.split(sep).some((part) => part.startsWith('.')))
      .map((entry) => entry.split(sep).join('/').slice(0, -'.json'.length))
      .filter((key) => key.startsWith(prefix))
      .sort();
  }

  append(stream: string, record: unknown): Promise<void> {
    const path = this.#path(stream, '.jsonl');
    const line = JSON.stringify(record);
    const previous = this.#appendQueues.get(path) ?? Promise.resolve();
    const next = previous.then(() => appendLineDurable(path, line));
    // Keep the chain alive after a failure so later appends still run.
    this.#appendQueues.set(path, next.catch(() => undefined));
    return next;
  }

  /**
   * All complete records of a stream. A final line without its newline is the trace of a write
   * cut short by a kill; it is dropped rather than failing the whole read.
   */
  async read<T>(stream: string): Promise<readonly T[]> {
    const path = this.#path(stream, '.jsonl');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (isMissing(error)) return [];
      throw new StoreError(`cannot read ${path}`, { cause: error });
    }
    const lines = text.split('\n');
    const complete = lines.slice(0, -1);
    const records: T[] = [];
    complete.forEach((line, index) => {
      if (line.trim() === '') return;
      try {
        records.push(JSON.parse(line) as T);
      } catch (error) {
        throw new StoreError(`${path}:${index + 1} is not valid JSON`, { cause: error });
      }
    });
    return records;
  }

  #path(key: string, extension: string): string {
    return join(this.location, `${checkKey(key)}${extension}`);
  }
}
