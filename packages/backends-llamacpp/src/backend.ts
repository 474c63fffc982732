import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { AbortError, BackendError, Semaphore, describeError, type BackendSettings, type ChatMessage, type ChatRequest, type ChatResult, type ChatStreamEvent, type FinishReason, type LlmBackend } from '@flowsteer/core';
import type { ChatHistoryItem, Llama, LlamaContext, LlamaModel } from 'node-llama-cpp';

/** How the backend runs the model; from the backend's `options` in config. */
export interface LlamaCppOptions {
  /** Path to a .gguf file (the backend's `model` setting). */
  readonly modelPath: string;
  /** Tokens of context per request; defaults to the model's training context, capped at 8192. */
  readonly contextSize?: number;
  /** `'auto'` uses a GPU when node-llama-cpp finds one; `false` forces the CPU. */
  readonly gpu?: 'auto' | false;
  /** CPU threads for evaluation; defaults to `defaultThreads()` for this machine. */
  readonly threads?: number;
  /** Called while the model loads (0..1) and once it is ready, so a screen can show progress. */
  readonly onProgress?: (progress: LlamaCppProgress) => void;
  /** Requests served at once (one context sequence each). */
  readonly concurrency?: number;
  /** Default completion limit when a request sets none. */
  readonly maxTokens?: number;
  readonly temperature?: number;
}

export type LlamaCppProgress = { readonly phase: 'loading'; readonly fraction: number } | { readonly phase: 'ready'; readonly loadMs: number; readonly threads: number };

const BACKEND = 'llamacpp';

/**
 * Threads that work on this machine. node-llama-cpp's own default is at least 4, whatever the
 * machine: on 2 cores its spinning threads starve each other (one node took 21 s, the next did not
 * finish in 150 s; with 1 thread the same run took 2 s). One core is left for the app itself.
 */
export function defaultThreads(cores: number = availableParallelism()): number {
  if (cores <= 2) return 1;
  return Math.min(8, cores - 1);
}
const GGUF_MAGIC = 'GGUF';

/** Reads backend settings from config: `model` is the .gguf path, the rest sit in `options`. */
export function llamaCppOptionsFrom(settings: BackendSettings): LlamaCppOptions {
  const options = settings.options ?? {};
  const modelPath = settings.model ?? (typeof options['modelPath'] === 'string' ? options['modelPath'] : undefined);
  if (modelPath === undefined || modelPath.trim() === '') {
    throw new BackendError(BACKEND, 'no model file: set the backend model to a .gguf path, e.g. --set executor.backend=llamacpp --set executor.model=./models/qwen3-8b-q4_k_m.gguf');
  }
  const number = (key: string, min: number): number | undefined => {
    const value = options[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new BackendError(BACKEND, `option "${key}" must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
    return value;
  };
  const gpu = options['gpu'];
  if (gpu !== undefined && gpu !== 'auto' && gpu !== false) throw new BackendError(BACKEND, `option "gpu" must be "auto" or false, got ${JSON.stringify(gpu)}`);
  const contextSize = number('contextSize', 64);
  const threads = number('threads', 1);
  const concurrency = number('concurrency', 1) ?? settings.concurrency;
  const maxTokens = settings.maxTokens;
  return {
    modelPath,
    ...(contextSize === undefined ? {} : { contextSize }),
    ...(gpu === undefined ? {} : { gpu }),
    ...(threads === undefined ? {} : { threads }),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(settings.temperature === undefined ? {} : { temperature: settings.temperature }),
  };
}

/** Fails fast, with a message a person can act on, before any native code touches the file. */
export async function checkModelFile(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw new BackendError(BACKEND, `model file ${path} does not exist`);
  if (!info.isFile()) throw new BackendError(BACKEND, `model path ${path} is not a file`);
  const handle = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    const magic = buffer.subarray(0, bytesRead).toString('latin1');
    if (magic !== GGUF_MAGIC) throw new BackendError(BACKEND, `${path} is not a GGUF model (it starts with ${JSON.stringify(magic)}, not "GGUF"); convert it with llama.cpp's convert scripts or download a .gguf build`);
  } finally {
    await handle.close();
  }
}

interface Loaded {
  readonly llama: Llama;
  readonly model: LlamaModel;
  readonly context: LlamaContext;
}

type NodeLlamaCpp = typeof import('node-llama-cpp');

async function importNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  try {
    return await import('node-llama-cpp');
  } catch (error) {
    throw new BackendError(BACKEND, 'node-llama-cpp is not installed; run: npm install node-llama-cpp@3.21.1', { cause: error });
  }
}

/** Splits chat messages into node-llama-cpp history and the prompt it answers. */
export function toChatHistory(messages: readonly ChatMessage[]): { history: ChatHistoryItem[]; prompt: string } {
  const last = messages[messages.length - 1];
  if (last === undefined) throw new BackendError(BACKEND, 'a chat request needs at least one message');
  const history: ChatHistoryItem[] = [];
  for (const message of messages.slice(0, -1)) {
    if (message.role === 'system') history.push({ type: 'system', text: message.content });
    else if (message.role === 'user') history.push({ type: 'user', text: message.content });
    else history.push({ type: 'model', response: [message.content] });
  }
  return { history, prompt: last.content };
}

function finishReasonOf(stopReason: string | undefined): FinishReason {
  switch (stopReason) {
    case 'eogToken':
    case 'stopGenerationTrigger':
    case 'customStopTrigger':
      return 'stop';
    case 'maxTokens':
      return 'length';
    case 'abort':
      return 'abort';
    default:
      return 'other';
  }
}

/**
 * A GGUF model run in-process by llama.cpp. The model loads on first use (so a host that never
 * calls it pays nothing) and stays loaded until `close()`; each request gets its own context
 * sequence, up to `concurrency` at once.
 */
export class LlamaCppBackend implements LlmBackend {
  readonly id: string;
  readonly options: LlamaCppOptions;
  readonly #slots: Semaphore;
  #loading: Promise<Loaded> | undefined;
  #closed = false;

  constructor(options: LlamaCppOptions) {
    this.options = options;
    this.id = `${BACKEND}:${basename(options.modelPath)}`;
    this.#slots = new Semaphore(options.concurrency ?? 1);
  }

  /** Loads the model now (otherwise the first request does), e.g. to fail at start-up. */
  load(): Promise<Loaded> {
    if (this.#closed) return Promise.reject(new BackendError(this.id, 'backend is closed'));
    // A failed load is not cached, so fixing the file and retrying works without a restart.
    this.#loading ??= this.#load().catch((error: unknown) => {
      this.#loading = undefined;
      throw error;
    });
    return this.#loading;
  }

  async #load(): Promise<Loaded> {
    await checkModelFile(this.options.modelPath);
    const { getLlama, LlamaLogLevel } = await importNodeLlamaCpp();
    const threads = this.options.threads ?? defaultThreads();
    const started = performance.now();
    const report = this.options.onProgress;
    try {
      // maxThreads caps every context of this instance, so no evaluation oversubscribes the CPU.
      const llama = await getLlama({ gpu: this.options.gpu ?? 'auto', build: 'never', logLevel: LlamaLogLevel.error, maxThreads: threads });
      report?.({ phase: 'loading', fraction: 0 });
      const model = await llama.loadModel({ modelPath: this.options.modelPath, ...(report === undefined ? {} : { onLoadProgress: (fraction: number) => report({ phase: 'loading', fraction }) }) });
      const contextSize = this.options.contextSize ?? Math.min(model.trainContextSize, 8192);
      const context = await model.createContext({ contextSize, sequences: this.options.concurrency ?? 1, threads });
      report?.({ phase: 'ready', loadMs: performance.now() - started, threads });
      return { llama, model, context };
    } catch (error) {
      throw new BackendError(this.id, `cannot load ${this.options.modelPath}: ${describeError(error)}`, { cause: error });
    }
  }

  chat(request: ChatRequest): Promise<ChatResult> {
    return this.#generate(request, () => undefined);
  }

  async *stream(request: ChatRequest): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const queue: string[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    // A consumer that stops reading early must not leave the model generating into the void.
    const abandoned = new AbortController();
    const signal = request.signal === undefined ? abandoned.signal : AbortSignal.any([request.signal, abandoned.signal]);
    const result = this.#generate({ ...request, signal }, (text) => {
      queue.push(text);
      wake?.();
    }).finally(() => {
      finished = true;
      wake?.();
    });
    result.catch(() => undefined); // surfaced below, after the deltas already produced
    try {
      for (;;) {
        while (queue.length > 0) yield { type: 'delta', text: queue.shift() as string };
        if (finished) break;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      yield { type: 'done', result: await result };
    } finally {
      if (!finished) abandoned.abort(new Error('stream consumer stopped reading'));
    }
  }

  async #generate(request: ChatRequest, onText: (text: string) => void): Promise<ChatResult> {
    if (request.signal?.aborted === true) throw new AbortError(`${this.id} request`, { cause: request.signal.reason });
    const { history, prompt } = toChatHistory(request.messages);
    const { context } = await this.load();
    const { LlamaChatSession } = await importNodeLlamaCpp();
    return this.#slots.run(async () => {
      const started = performance.now();
      const sequence = context.getSequence();
      // No built-in default system prompt: the executor's messages say everything the model is told.
      const session = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: true, systemPrompt: '' });
      let completionTokens = 0;
      try {
        if (history.length > 0) session.setChatHistory(history);
        const sampling = request.sampling ?? {};
        const maxTokens = sampling.maxTokens ?? this.options.maxTokens ?? 512;
        const { responseText, stopReason } = await session.promptWithMeta(prompt, {
          maxTokens,
          temperature: sampling.temperature ?? this.options.temperature ?? 0,
          ...(sampling.topP === undefined ? {} : { topP: sampling.topP }),
          ...(sampling.seed === undefined ? {} : { seed: sampling.seed }),
          ...(sampling.stop === undefined ? {} : { customStopTriggers: [...sampling.stop] }),
          ...(request.signal === undefined ? {} : { signal: request.signal, stopOnAbortSignal: false }),
          onTextChunk: onText,
          onToken: (tokens) => void (completionTokens += tokens.length),
        });
        // onToken can hold back the last token (an incomplete character); at the limit the count is known.
        if (stopReason === 'maxTokens') completionTokens = maxTokens;
        // What the sequence evaluated, chat template included, less what was generated.
        const promptTokens = Math.max(0, sequence.contextTokens.length - completionTokens);
        return {
          text: responseText,
          model: basename(this.options.modelPath),
          finishReason: finishReasonOf(stopReason),
          usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
          latencyMs: performance.now() - started,
        };
      } catch (error) {
        if (request.signal?.aborted === true) throw new AbortError(`${this.id} request`, { cause: error });
        if (error instanceof BackendError) throw error;
        throw new BackendError(this.id, `generation failed: ${describeError(error)}`, { cause: error });
      } finally {
        session.dispose({ disposeSequence: true });
      }
    }, request.signal);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const loading = this.#loading;
    this.#loading = undefined;
    if (loading === undefined) return;
    const loaded = await loading.catch(() => undefined);
    if (loaded === undefined) return;
    await loaded.context.dispose();
    await loaded.model.dispose();
    await loaded.llama.dispose();
  }
}
