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
import { BodyTooLargeError, boundedChunks, parseRetryAfter, readBoundedText, readTextPrefix } from './http-body.js';
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

  async *#request(request: ChatRequest, streaming: boolean): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const release = await this.#semaphore.acquire(request.signal);
    try {
      for (let attempt = 0; ; attempt++) {
        const started = performance.now();
        let emitted = false;
        try {
          for await (const event of this.#attempt(request, streaming, started)) {
            emitted = true;
            yield event;
          }
          return;
        } catch (error) {
          if (request.signal?.aborted === true) throw new AbortError(`${this.id} request`, { cause: request.signal.reason });
          // A stream that already produced text cannot be replayed transparently.
          const retryable = error instanceof RetryableFailure && !emitted;
          if (!retryable || attempt >= this.#maxRetries) {
            if (error instanceof BackendError) throw error;
            const status = error instanceof RetryableFailure ? error.status : undefined;
            throw new BackendError(this.id, `${(error as Error).message}${attempt > 0 ? ` (after ${attempt + 1} attempts)` : ''}`, {
              cause: error,
              retryable: error instanceof RetryableFailure,
              ...(status === undefined ? {} : { status }),
            });
          }
          const delay = Math.max(error.retryAfterMs ?? 0, backoffDelay(attempt, this.#retryBaseMs, this.#retryCapMs));
          await sleep(delay, request.signal);
        }
      }
    } finally {
      release();
    }
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

  async *#attempt(request: ChatRequest, streaming: boolean, started: number): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = request.signal === undefined ? timeout : AbortSignal.any([request.signal, timeout]);
    let response: Response;
    try {
      response = await fetch(`${this.#baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.#apiKey === undefined ? {} : { authorization: `Bearer ${this.#apiKey}` }) },
        body: JSON.stringify(this.#body(request, streaming)),
        signal,
      });
    } catch (error) {
      if (timeout.aborted) throw new RetryableFailure(`request timed out after ${this.#timeoutMs} ms`, undefined, undefined);
      throw new RetryableFailure(`cannot reach ${this.#baseUrl}: ${describeFetchError(error)}`, undefined, undefined);
    }
    if (!response.ok) {
      const text = await readTextPrefix(response, ERROR_BODY_BYTES).catch(() => '');
      let message = text.slice(0, 500);
      try {
        message = (JSON.parse(text) as CompletionJson).error?.message ?? message;
      } catch {
        // not JSON: keep the raw text
      }
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      const detail = `HTTP ${response.status}: ${message || response.statusText}`;
      if (RETRYABLE_STATUS.has(response.status)) throw new RetryableFailure(detail, response.status, retryAfter === undefined ? undefined : Math.min(retryAfter, RETRY_AFTER_CAP_MS));
      throw new BackendError(this.id, detail, { status: response.status });
    }
    try {
      if (streaming) yield* this.#readStream(response, started);
      else yield { type: 'done', result: await this.#readJson(response, started) };
    } catch (error) {
      if (error instanceof BackendError || error instanceof RetryableFailure) throw error;
      if (error instanceof BodyTooLargeError) throw new BackendError(this.id, error.message);
      if (timeout.aborted) throw new RetryableFailure(`response timed out after ${this.#timeoutMs} ms`, undefined, undefined);
      if (request.signal?.aborted === true) throw error;
      throw new RetryableFailure(`connection failed while reading the response: ${describeFetchError(error)}`, undefined, undefined);
    }
  }

  async #readJson(response: Response, started: number): Promise<ChatResult> {
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

  async *#readStream(response: Response, started: number): AsyncGenerator<ChatStreamEvent, void, undefined> {
    if (response.body === null) throw new BackendError(this.id, 'streaming response has no body');
    const lines = new SseLineSplitter();
    const text: string[] = [];
    let chars = 0;
    let model = this.#model;
    let finish: FinishReason = 'stop';
    let usage: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    // Appended in place: a long stream of small events stays linear.
    let tokenIds: number[] | undefined;
    let logprobs: number[] | undefined;
    let done = false;
    const handle = (data: string): string | undefined => {
      if (data === '[DONE]') {
        done = true;
        return undefined;
      }
      let json: CompletionJson;
      try {
        json = JSON.parse(data) as CompletionJson;
      } catch {
        throw new BackendError(this.id, `malformed stream event: ${data.slice(0, 200)}`);
      }
      if (json.error !== undefined) throw new BackendError(this.id, `stream error: ${json.error.message ?? 'unknown'}`);
      model = json.model ?? model;
      if (json.usage !== undefined && json.usage !== null) usage = usageOf(json.usage);
      const choice = json.choices?.[0];
      if (choice === undefined) return undefined;
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) finish = finishReason(choice.finish_reason);
      const ids = tokenIdsOf(choice);
      if (ids !== undefined) appendAll((tokenIds ??= []), ids);
      const lps = logprobsOf(choice);
      if (lps !== undefined) appendAll((logprobs ??= []), lps);
      const delta = choice.delta?.content ?? '';
      return delta === '' ? undefined : delta;
    };
    for await (const chunk of boundedChunks(response.body, this.#maxResponseBytes)) {
      for (const data of lines.push(chunk)) {
        const delta = handle(data);
        if (delta !== undefined) {
          text.push(delta);
          chars += delta.length;
          yield { type: 'delta', text: delta };
        }
      }
    }
    for (const data of lines.finish()) {
      const delta = handle(data);
      if (delta !== undefined) {
        text.push(delta);
        chars += delta.length;
        yield { type: 'delta', text: delta };
      }
    }
    // A stream closed without [DONE] is cut short (a dropped proxy, a crashed server): its text is partial.
    if (!done) throw new RetryableFailure(chars === 0 ? 'stream ended before any data' : `stream truncated: the server closed it without [DONE] after ${chars} characters`, undefined, undefined);
    yield {
      type: 'done',
      result: {
        text: text.join(''),
        model,
        finishReason: finish,
        usage,
        latencyMs: performance.now() - started,
        ...(tokenIds === undefined ? {} : { tokenIds }),
        ...(logprobs === undefined ? {} : { logprobs }),
      },
    };
  }
}

function appendAll(target: number[], values: readonly number[]): void {
  for (const value of values) target.push(value);
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
