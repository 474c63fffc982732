import { AbortError, BackendError, type ChatRequest, type ChatResult, type ChatStreamEvent, type LlmBackend } from '@flowsteer/core';

/** What the scripted backend answers to one call: text, or a failure. */
export type ScriptedReply = string | { readonly fail: string } | { readonly text: string; readonly finishReason?: ChatResult['finishReason'] };

export type ReplyScript = (request: ChatRequest, index: number) => ScriptedReply;

/** A rough whitespace token count, so usage is never zero for non-empty text. */
function countTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/**
 * An in-memory executor LLM for plugin tests: answers from a script, streams in small pieces,
 * reports usage, records every request and honours the request's AbortSignal. It implements the
 * same contract as a network backend, so operators cannot tell it apart.
 */
export class ScriptedBackend implements LlmBackend {
  readonly id: string;
  readonly requests: ChatRequest[] = [];
  #script: ReplyScript;

  constructor(script: ReplyScript | readonly ScriptedReply[] = () => 'ok', id = 'scripted') {
    this.id = id;
    this.#script = ScriptedBackend.#toScript(script);
  }

  /** Replies in order; the last one repeats once the list runs out. */
  static #toScript(script: ReplyScript | readonly ScriptedReply[]): ReplyScript {
    if (typeof script === 'function') return script;
    if (script.length === 0) throw new Error('a scripted backend needs at least one reply');
    return (_request, index) => script[Math.min(index, script.length - 1)] as ScriptedReply;
  }

  get calls(): number {
    return this.requests.length;
  }

  async chat(request: ChatRequest): Promise<ChatResult> {
    if (request.signal?.aborted === true) throw new AbortError(`${this.id} request`, { cause: request.signal.reason });
    const started = performance.now();
    const index = this.requests.length;
    this.requests.push(request);
    const reply = this.#script(request, index);
    if (typeof reply === 'object' && 'fail' in reply) throw new BackendError(this.id, reply.fail);
    const text = typeof reply === 'string' ? reply : reply.text;
    const promptTokens = request.messages.reduce((sum, message) => sum + countTokens(message.content), 0);
    const completionTokens = countTokens(text);
    return {
      text,
      model: request.model ?? 'scripted-model',
      finishReason: typeof reply === 'string' ? 'stop' : (reply.finishReason ?? 'stop'),
      usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
      latencyMs: performance.now() - started,
    };
  }

  async *stream(request: ChatRequest): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const result = await this.chat(request);
    for (const piece of result.text.match(/[\s\S]{1,8}/g) ?? []) {
      if (request.signal?.aborted === true) throw new AbortError(`${this.id} stream`, { cause: request.signal.reason });
      yield { type: 'delta', text: piece };
    }
    yield { type: 'done', result };
  }
}
