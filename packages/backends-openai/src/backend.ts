import {
  AbortError,
  BackendError,
  Semaphore,
  backoffDelay,
  sleep,
  type BackendSettings,
  type ChatRequest,
  type ChatResult,
  type ChatStreamEvent,
  type FinishReason,
  type LlmBackend,
  type TokenUsage,
} from '@flowsteer/core';
import { BodyTooLargeError, parseRetryAfter, readBoundedText, readTextPrefix } from './http-body.js';
import { HttpTransport, TransportError, type Cancellation, type HttpResponse } from './http-transport.js';
import { SseLineSplitter } from './sse.js';

export interface OpenAiBackendOptions extends BackendSettings {
  /** Extra JSON merged into every request body (e.g. `{"chat_template_kwargs": {...}}` for vLLM). */
  readonly extraBody?: Readonly<Record<string, unknown>>;
  /** Ask vLLM-style servers for completion token ids (`return_token_ids`). */
  readonly requestTokenIds?: boolean;
  /** First retry delay; later ones double, with full jitter. */
  readonly retryBaseMs?: number;
  readonly retryCapMs?: number;
  /** Largest response body read, in bytes (default 32 MiB); a larger one fails with a clear, non-retryable error. */
  readonly maxResponseBytes?: number;
}

/** Error bodies are only read for their message. */
const ERROR_BODY_BYTES = 64 * 1024;
/** The longest wait a server's Retry-After may impose. */
const RETRY_AFTER_CAP_MS = 60_000;

interface ChoiceJson {
  readonly message?: { readonly content?: string | null };
  readonly delta?: { readonly content?: string | null };
  readonly finish_reason?: string | null;
  readonly logprobs?: { readonly content?: ReadonlyArray<{ readonly token?: string; readonly logprob?: number }> | null } | null;
  readonly token_ids?: readonly number[] | null;
}

interface CompletionJson {
  readonly model?: string;
  readonly choices?: readonly ChoiceJson[];
  readonly usage?: { readonly prompt_tokens?: number; readonly completion_tokens?: number; readonly total_tokens?: number } | null;
  readonly error?: { readonly message?: string };
}

const RETRYABLE_STATUS = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

function finishReason(value: string | null | undefined): FinishReason {
  if (value === 'stop' || value === 'length') return value;
  if (value === 'abort') return 'abort';
  return value === null || value === undefined ? 'stop' : 'other';
}

function usageOf(json: CompletionJson['usage']): TokenUsage {
  const promptTokens = json?.prompt_tokens ?? 0;
  const completionTokens = json?.completion_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: json?.total_tokens ?? promptTokens + completionTokens };
}

/** Token ids from `token_ids`, or from vLLM's `token_id:N` logprob tokens. */
function tokenIdsOf(choice: ChoiceJson | undefined): number[] | undefined {
  if (Array.isArray(choice?.token_ids)) return [...choice.token_ids];
  const tokens = choice?.logprobs?.content;
  if (tokens === undefined || tokens === null || tokens.length === 0) return undefined;
  const ids = tokens.map((t) => /^token_id:(\d+)$/.exec(t.token ?? '')?.[1]);
  return ids.every((id) => id !== undefined) ? ids.map(Number) : undefined;
}

function logprobsOf(choice: ChoiceJson | undefined): number[] | undefined {
  const tokens = choice?.logprobs?.content;
  if (tokens === undefined || tokens === null) return undefined;
  return tokens.map((t) => t.logprob ?? Number.NaN);
}

class RetryableFailure extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}

/**
 * An LlmBackend for any server that speaks OpenAI chat completions: OpenAI, vLLM, SGLang, Ollama,
 * llama.cpp server, LM Studio. Retries 429/5xx/network failures/timeouts with jittered backoff
 * (honouring Retry-After), bounds concurrent requests, and never retries after a cancellation.
 */
export class OpenAiCompatibleBackend implements LlmBackend {
  readonly id: string;
  readonly #baseUrl: string;
  readonly #model: string;
  readonly #apiKey: string | undefined;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #retryBaseMs: number;
  readonly #retryCapMs: number;
  readonly #semaphore: Semaphore;
  readonly #maxResponseBytes: number;
  readonly #options: OpenAiBackendOptions;
  readonly #transport: HttpTransport;
  readonly #endpoint: URL;
  readonly #headers: Readonly<Record<string, string>>;

  constructor(options: OpenAiBackendOptions) {
    const model = options.model ?? process.env['OPENAI_MODEL'];
    if (model === undefined || model === '') throw new BackendError('openai', 'no model configured: set "model" (e.g. --set executor.model=gpt-4o-mini)');
    this.#model = model;
    this.#baseUrl = (options.baseUrl ?? process.env['OPENAI_BASE_URL'] ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
    this.#apiKey = options.apiKey ?? process.env['OPENAI_API_KEY'];
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#maxRetries = options.maxRetries ?? 3;
    this.#retryBaseMs = options.retryBaseMs ?? 500;
    this.#retryCapMs = options.retryCapMs ?? 8_000;
    this.#semaphore = new Semaphore(options.concurrency ?? 8);
    this.#maxResponseBytes = options.maxResponseBytes ?? 32 * 1024 * 1024;
    this.#options = options;
    this.id = `openai:${model}`;
    this.#transport = new HttpTransport(this.#semaphore.capacity);
    this.#endpoint = endpointOf(this.#baseUrl);
    this.#headers = { 'content-type': 'application/json', ...(this.#apiKey === undefined ? {} : { authorization: `Bearer ${this.#apiKey}` }) };
  }

  async chat(request: ChatRequest): Promise<ChatResult> {
    let result: ChatResult | undefined;
    for await (const event of this.#request(request, false)) if (event.type === 'done') result = event.result;
    if (result === undefined) throw new BackendError(this.id, 'no completion returned');
    return result;
  }

  stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    return this.#request(request, true);
  }

  /** Closes idle keep-alive connections. */
  async close(): Promise<void> {
    this.#transport.close();
  }

  // One generator from the semaphore down to the socket: every nested async generator would add
  // a few promise hops to each streamed event.
  async *#request(request: ChatRequest, streaming: boolean): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const release = await this.#semaphore.acquire(request.signal);
    try {
      for (let attempt = 0; ; attempt++) {
        const started = performance.now();
        const deadline = new Deadline(this.#timeoutMs, request.signal);
        let response: HttpResponse | undefined;
        let finished = false;
        let emitted = false;
        try {
          response = await this.#send(request, streaming, deadline);
          if (!streaming) {
            const result = await this.#readJson(response, started);
            finished = true;
            yield { type: 'done', result };
            return;
          }
          const stream = new StreamAccumulator(this.id, this.#model);
          let received = 0;
          for await (const chunk of response.body) {
            received += chunk.byteLength;
            if (received > this.#maxResponseBytes) throw new BackendError(this.id, new BodyTooLargeError(this.#maxResponseBytes).message);
            for (const delta of stream.push(chunk)) {
              emitted = true;
              yield { type: 'delta', text: delta };
            }
          }
          for (const delta of stream.finish()) {
            emitted = true;
            yield { type: 'delta', text: delta };
          }
          finished = true;
          yield { type: 'done', result: stream.result(performance.now() - started) };
          return;
        } catch (caught) {
          if (request.signal?.aborted === true) throw new AbortError(`${this.id} request`, { cause: request.signal.reason });
          const error = this.#classify(caught, response === undefined, deadline);
          // A stream that already produced text cannot be replayed transparently.
          const retryable = error instanceof RetryableFailure && !emitted;
          if (!retryable || attempt >= this.#maxRetries) {
            if (error instanceof BackendError) throw error;
            const status = error instanceof RetryableFailure ? error.status : undefined;
            throw new BackendError(this.id, `${error.message}${attempt > 0 ? ` (after ${attempt + 1} attempts)` : ''}`, {
              cause: error,
              retryable: error instanceof RetryableFailure,
              ...(status === undefined ? {} : { status }),
            });
          }
          const delay = Math.max(error.retryAfterMs ?? 0, backoffDelay(attempt, this.#retryBaseMs, this.#retryCapMs));
          await sleep(delay, request.signal);
        } finally {
          deadline.clear();
          // A consumer that stopped early leaves the rest unread: that connection cannot be reused.
          if (!finished) response?.cancel();
        }
      }
    } finally {
      release();
    }
  }

  /** What a failure means: a BackendError is final, a RetryableFailure may be tried again. */
  #classify(error: unknown, beforeResponse: boolean, deadline: Deadline): BackendError | RetryableFailure {
    if (error instanceof BackendError || error instanceof RetryableFailure) return error;
    if (error instanceof BodyTooLargeError) return new BackendError(this.id, error.message);
    if (deadline.timedOut) return new RetryableFailure(`${beforeResponse ? 'request' : 'response'} timed out after ${this.#timeoutMs} ms`, undefined, undefined);
    if (beforeResponse) return new RetryableFailure(`cannot reach ${this.#baseUrl}: ${describeTransportError(error)}`, undefined, undefined);
    return new RetryableFailure(`connection failed while reading the response: ${describeTransportError(error)}`, undefined, undefined);
  }

  #body(request: ChatRequest, streaming: boolean): Record<string, unknown> {
    const s = request.sampling ?? {};
    const temperature = s.temperature ?? this.#options.temperature;
    const maxTokens = s.maxTokens ?? this.#options.maxTokens;
    return {
      model: request.model ?? this.#model,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      ...(temperature === undefined ? {} : { temperature }),
      ...(s.topP === undefined ? {} : { top_p: s.topP }),
      ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
      ...(s.stop === undefined ? {} : { stop: s.stop }),
      ...(s.seed === undefined ? {} : { seed: s.seed }),
      ...(s.logprobs === true ? { logprobs: true } : {}),
      ...(this.#options.requestTokenIds === true ? { return_token_ids: true } : {}),
      ...(streaming ? { stream: true, stream_options: { include_usage: true } } : {}),
      ...this.#options.extraBody,
    };
  }

  /** Sends one attempt; resolves with a 2xx response whose body is unread. */
  async #send(request: ChatRequest, streaming: boolean, deadline: Deadline): Promise<HttpResponse> {
    const response = await this.#transport.post(this.#endpoint, this.#headers, JSON.stringify(this.#body(request, streaming)), deadline);
    if (response.status >= 200 && response.status < 300) return response;
    const text = await readTextPrefix(response, ERROR_BODY_BYTES).catch(() => '');
    let message = text.slice(0, 500);
    try {
      message = (JSON.parse(text) as CompletionJson).error?.message ?? message;
    } catch {
      // not JSON: keep the raw text
    }
    const retryAfter = parseRetryAfter(response.header('retry-after'));
    const detail = `HTTP ${response.status}: ${message || response.statusText}`;
    if (RETRYABLE_STATUS.has(response.status)) throw new RetryableFailure(detail, response.status, retryAfter === undefined ? undefined : Math.min(retryAfter, RETRY_AFTER_CAP_MS));
    throw new BackendError(this.id, detail, { status: response.status });
  }

  async #readJson(response: HttpResponse, started: number): Promise<ChatResult> {
    const text = await readBoundedText(response, this.#maxResponseBytes);
    let json: CompletionJson;
    try {
      json = JSON.parse(text) as CompletionJson;
    } catch {
      throw new BackendError(this.id, `server returned a body that is not JSON: ${text.slice(0, 200)}`);
    }
    const choice = json.choices?.[0];
    if (choice === undefined) throw new BackendError(this.id, 'server returned no choices');
    const tokenIds = tokenIdsOf(choice);
    const logprobs = logprobsOf(choice);
    return {
      text: choice.message?.content ?? '',
      model: json.model ?? this.#model,
      finishReason: finishReason(choice.finish_reason),
      usage: usageOf(json.usage),
      latencyMs: performance.now() - started,
      ...(tokenIds === undefined ? {} : { tokenIds }),
      ...(logprobs === undefined ? {} : { logprobs }),
    };
  }
}

/** One attempt's bound: the request's own signal or the timeout, whichever fires first. */
class Deadline implements Cancellation {
  readonly #timer: NodeJS.Timeout;
  readonly #parent: AbortSignal | undefined;
  readonly #onParentAbort = (): void => this.#cancel(asError(this.#parent?.reason));
  #listener: ((reason: Error) => void) | undefined;
  reason: Error | undefined;
  timedOut = false;

  constructor(timeoutMs: number, parent: AbortSignal | undefined) {
    // A plain timer cleared when the attempt ends: AbortSignal.timeout would stay armed (and hold
    // its signal) for the whole timeout after every call, and no AbortController is needed at all.
    this.#timer = setTimeout(() => {
      this.timedOut = true;
      this.#cancel(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    this.#timer.unref();
    this.#parent = parent;
    if (parent?.aborted === true) this.#cancel(asError(parent.reason));
    else parent?.addEventListener('abort', this.#onParentAbort, { once: true });
  }

  bind(listener: (reason: Error) => void): void {
    this.#listener = listener;
  }

  unbind(listener: (reason: Error) => void): void {
    if (this.#listener === listener) this.#listener = undefined;
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
    this.#listener = undefined;
  }

  #cancel(reason: Error): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.#listener?.(reason);
  }
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** Accumulates a chat completion stream's events into deltas and a final result. */
class StreamAccumulator {
  readonly #lines = new SseLineSplitter();
  readonly #text: string[] = [];
  #chars = 0;
  #model: string;
  #finish: FinishReason = 'stop';
  #usage: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  // Appended in place: a long stream of small events stays linear.
  #tokenIds: number[] | undefined;
  #logprobs: number[] | undefined;
  #done = false;

  constructor(
    readonly backendId: string,
    model: string,
  ) {
    this.#model = model;
  }

  /** The text deltas in this chunk. */
  push(chunk: Uint8Array): string[] {
    return this.#deltas(this.#lines.push(chunk));
  }

  /** The deltas of a last event not followed by a newline. */
  finish(): string[] {
    return this.#deltas(this.#lines.finish());
  }

  /** The whole completion; a stream closed without [DONE] was cut short and is not a result. */
  result(latencyMs: number): ChatResult {
    if (!this.#done) throw new RetryableFailure(this.#chars === 0 ? 'stream ended before any data' : `stream truncated: the server closed it without [DONE] after ${this.#chars} characters`, undefined, undefined);
    return {
      text: this.#text.join(''),
      model: this.#model,
      finishReason: this.#finish,
      usage: this.#usage,
      latencyMs,
      ...(this.#tokenIds === undefined ? {} : { tokenIds: this.#tokenIds }),
      ...(this.#logprobs === undefined ? {} : { logprobs: this.#logprobs }),
    };
  }

  #deltas(payloads: readonly string[]): string[] {
    const deltas: string[] = [];
    for (const data of payloads) {
      const delta = this.#handle(data);
      if (delta === undefined) continue;
      this.#text.push(delta);
      this.#chars += delta.length;
      deltas.push(delta);
    }
    return deltas;
  }

  #handle(data: string): string | undefined {
    if (data === '[DONE]') {
      this.#done = true;
      return undefined;
    }
    let json: CompletionJson;
    try {
      json = JSON.parse(data) as CompletionJson;
    } catch {
      throw new BackendError(this.backendId, `malformed stream event: ${data.slice(0, 200)}`);
    }
    if (json.error !== undefined) throw new BackendError(this.backendId, `stream error: ${json.error.message ?? 'unknown'}`);
    this.#model = json.model ?? this.#model;
    if (json.usage !== undefined && json.usage !== null) this.#usage = usageOf(json.usage);
    const choice = json.choices?.[0];
    if (choice === undefined) return undefined;
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) this.#finish = finishReason(choice.finish_reason);
    const ids = tokenIdsOf(choice);
    if (ids !== undefined) appendAll((this.#tokenIds ??= []), ids);
    const lps = logprobsOf(choice);
    if (lps !== undefined) appendAll((this.#logprobs ??= []), lps);
    const delta = choice.delta?.content ?? '';
    return delta === '' ? undefined : delta;
  }
}

function appendAll(target: number[], values: readonly number[]): void {
  for (const value of values) target.push(value);
}

function endpointOf(baseUrl: string): URL {
  try {
    return new URL(`${baseUrl}/chat/completions`);
  } catch {
    throw new BackendError('openai', `baseUrl is not a URL: ${baseUrl}`);
  }
}

function describeTransportError(error: unknown): string {
  if (error instanceof TransportError && error.code !== undefined) return error.code;
  return (error as Error).message;
}
