import type { TokenUsage } from '../usage.js';

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
}

export interface SamplingParams {
  readonly temperature?: number;
  readonly topP?: number;
  readonly maxTokens?: number;
  readonly stop?: readonly string[];
  readonly seed?: number;
  /** Ask the server for per-token logprobs (and token ids, where it can return them). */
  readonly logprobs?: boolean;
}

export interface ChatRequest {
  readonly messages: readonly ChatMessage[];
  readonly sampling?: SamplingParams;
  /** Overrides the backend's configured model for this call. */
  readonly model?: string;
  readonly signal?: AbortSignal;
}

export type FinishReason = 'stop' | 'length' | 'abort' | 'error' | 'other';

export interface ChatResult {
  readonly text: string;
  readonly model: string;
  readonly finishReason: FinishReason;
  readonly usage: TokenUsage;
  readonly latencyMs: number;
  /** Completion token ids, when the server returns them (vLLM, SGLang). Needed for exact token masks. */
  readonly tokenIds?: readonly number[];
  /** Log-probability of each completion token, aligned with `tokenIds` when both are present. */
  readonly logprobs?: readonly number[];
}

export type ChatStreamEvent =
  | { readonly type: 'delta'; readonly text: string }
  | { readonly type: 'done'; readonly result: ChatResult };

/**
 * Any chat LLM. Implementations must honour `request.signal`, report usage, and raise
 * `BackendError` (never a bare HTTP or network error) when they give up.
 */
export interface LlmBackend {
  /** Short identifier for logs and ledgers, e.g. `openai:gpt-4o-mini`. */
  readonly id: string;
  chat(request: ChatRequest): Promise<ChatResult>;
  /** Streams deltas, then exactly one `done` event carrying the same result `chat` would return. */
  stream(request: ChatRequest): AsyncIterable<ChatStreamEvent>;
  close?(): Promise<void>;
}

/** A stream for backends that cannot stream: one delta with the whole text, then done. */
export async function* streamFromChat(
  backend: Pick<LlmBackend, 'chat'>,
  request: ChatRequest,
): AsyncGenerator<ChatStreamEvent, void, undefined> {
  const result = await backend.chat(request);
  if (result.text.length > 0) yield { type: 'delta', text: result.text };
  yield { type: 'done', result };
}

/** Drains a stream into its final result, calling `onDelta` for each piece of text. */
export async function collectStream(
  stream: AsyncIterable<ChatStreamEvent>,
  onDelta: (text: string) => void = () => undefined,
): Promise<ChatResult> {
  for await (const event of stream) {
    if (event.type === 'delta') onDelta(event.text);
    else return event.result;
  }
  throw new Error('stream ended without a done event');
}
