import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  BackendError,
  appendLineDurable,
  type ChatRequest,
  type ChatResult,
  type ChatStreamEvent,
  type LlmBackend,
} from '@flowsteer/core';

export const CASSETTE_FORMAT = 'flowsteer.cassette';

export interface CassetteEntry {
  /** Hash of the request's model, messages and sampling parameters. */
  readonly key: string;
  /** Which identical request this was (0 for the first), so repeats replay in order. */
  readonly occurrence: number;
  readonly request: { readonly model?: string; readonly messages: ChatRequest['messages']; readonly sampling?: ChatRequest['sampling'] };
  readonly result: ChatResult;
}

/** A stable key: the same conversation and sampling always hash the same, whatever the key order. */
export function requestKey(request: ChatRequest): string {
  const sampling = request.sampling ?? {};
  const canonical = JSON.stringify({
    model: request.model ?? null,
    messages: request.messages.map((m) => [m.role, m.content]),
    sampling: Object.fromEntries(Object.entries(sampling).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b))),
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

function preview(request: ChatRequest): string {
  const last = [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  return last.length > 80 ? `${last.slice(0, 80)}…` : last;
}

/**
 * Wraps any backend and appends every completed call to a cassette (JSONL, fsynced per entry),
 * so a session can be replayed later without the model.
 */
export class RecordingBackend implements LlmBackend {
  readonly id: string;
  readonly #inner: LlmBackend;
  readonly #path: string;
  readonly #seen = new Map<string, number>();
  #header: Promise<void> | undefined;

  constructor(inner: LlmBackend, cassettePath: string) {
    this.#inner = inner;
    this.#path = cassettePath;
    this.id = `record:${inner.id}`;
  }

  async chat(request: ChatRequest): Promise<ChatResult> {
    const result = await this.#inner.chat(request);
    await this.#record(request, result);
    return result;
  }

  async *stream(request: ChatRequest): AsyncGenerator<ChatStreamEvent, void, undefined> {
    for await (const event of this.#inner.stream(request)) {
      if (event.type === 'done') await this.#record(request, event.result);
      yield event;
    }
  }

  async #record(request: ChatRequest, result: ChatResult): Promise<void> {
    this.#header ??= appendLineDurable(this.#path, JSON.stringify({ format: CASSETTE_FORMAT, version: 1, recordedFrom: this.#inner.id }));
    await this.#header;
    const key = requestKey(request);
    const occurrence = this.#seen.get(key) ?? 0;
    this.#seen.set(key, occurrence + 1);
    const entry: CassetteEntry = {
      key,
      occurrence,
      request: { ...(request.model === undefined ? {} : { model: request.model }), messages: request.messages, ...(request.sampling === undefined ? {} : { sampling: request.sampling }) },
      result,
    };
    await appendLineDurable(this.#path, JSON.stringify(entry));
  }
}

/**
 * Answers from a cassette, deterministically: the n-th identical request gets the n-th recorded
 * answer. A request that was never recorded is a BackendError naming it, never a guess.
 */
export class ReplayBackend implements LlmBackend {
  readonly id: string;
  readonly #entries: ReadonlyMap<string, readonly CassetteEntry[]>;
  readonly #served = new Map<string, number>();

  private constructor(path: string, entries: ReadonlyMap<string, readonly CassetteEntry[]>) {
    this.id = `replay:${path}`;
    this.#entries = entries;
  }

  static async load(path: string): Promise<ReplayBackend> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new BackendError('replay', `cannot read cassette ${path}: ${(error as Error).message}`, { cause: error });
    }
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    const header = lines[0] === undefined ? undefined : (JSON.parse(lines[0]) as { format?: string; version?: number });
    if (header?.format !== CASSETTE_FORMAT) throw new BackendError('replay', `${path} is not a ${CASSETTE_FORMAT} file`);
    const entries = new Map<string, CassetteEntry[]>();
    lines.slice(1).forEach((line, index) => {
      let entry: CassetteEntry;
      try {
        entry = JSON.parse(line) as CassetteEntry;
      } catch {
        // A torn last line (killed while recording) is skipped; anything else is corruption.
        if (index === lines.length - 2) return;
        throw new BackendError('replay', `${path}:${index + 2} is not valid JSON`);
      }
      const list = entries.get(entry.key) ?? [];
      list[entry.occurrence] = entry;
      entries.set(entry.key, list);
    });
    return new ReplayBackend(path, entries);
  }

  get size(): number {
    return [...this.#entries.values()].reduce((sum, list) => sum + list.length, 0);
  }

  async chat(request: ChatRequest): Promise<ChatResult> {
    const key = requestKey(request);
    const recorded = this.#entries.get(key);
    const occurrence = this.#served.get(key) ?? 0;
    const entry = recorded?.[occurrence];
    if (entry === undefined) {
      const why = recorded === undefined ? 'no recorded response for this request' : `only ${recorded.length} recorded response(s) for this request, asked for #${occurrence + 1}`;
      throw new BackendError(this.id, `${why} (key ${key}, last user message "${preview(request)}")`);
    }
    this.#served.set(key, occurrence + 1);
    return entry.result;
  }

  async *stream(request: ChatRequest): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const result = await this.chat(request);
    if (result.text !== '') yield { type: 'delta', text: result.text };
    yield { type: 'done', result };
  }
}
