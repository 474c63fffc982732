import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbortError, BackendError, type ChatStreamEvent } from '@flowsteer/core';
import { describeBackendConformance, loadPluginPackage } from '@flowsteer/plugin-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaCppBackend, checkModelFile, defaultThreads, llamaCppOptionsFrom, toChatHistory, type LlamaCppProgress } from '../src/index.js';
import { writeTinyLlamaGguf } from './tiny-gguf.js';

let dir = '';
let tiny = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowsteer-llamacpp-'));
  tiny = join(dir, 'tiny.gguf');
  await writeTinyLlamaGguf(tiny);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('configuration', () => {
  it('takes the .gguf path from the model setting and validates the options', () => {
    expect(llamaCppOptionsFrom({ model: '/m/q.gguf', maxTokens: 64, options: { contextSize: 1024, gpu: false, threads: 2 } })).toEqual({ modelPath: '/m/q.gguf', contextSize: 1024, gpu: false, threads: 2, maxTokens: 64 });
    expect(llamaCppOptionsFrom({ options: { modelPath: '/m/x.gguf' } }).modelPath).toBe('/m/x.gguf');
    expect(() => llamaCppOptionsFrom({})).toThrow(/no model file: set the backend model to a \.gguf path/);
    expect(() => llamaCppOptionsFrom({ model: 'a.gguf', options: { contextSize: 10 } })).toThrow(/"contextSize" must be an integer ≥ 64/);
    expect(() => llamaCppOptionsFrom({ model: 'a.gguf', options: { gpu: 'cuda' } })).toThrow(/"gpu" must be "auto" or false/);
  });

  it('picks a thread count that leaves a small machine usable', () => {
    expect(defaultThreads(1)).toBe(1);
    expect(defaultThreads(2)).toBe(1);
    expect(defaultThreads(4)).toBe(3);
    expect(defaultThreads(64)).toBe(8);
  });

  it('maps chat messages to node-llama-cpp history and the prompt', () => {
    expect(toChatHistory([{ role: 'system', content: 's' }, { role: 'user', content: 'u1' }, { role: 'assistant', content: 'a1' }, { role: 'user', content: 'u2' }])).toEqual({
      history: [{ type: 'system', text: 's' }, { type: 'user', text: 'u1' }, { type: 'model', response: ['a1'] }],
      prompt: 'u2',
    });
    expect(() => toChatHistory([])).toThrow(BackendError);
  });
});

describe('loading errors', () => {
  it('names a missing file, a folder, and a file that is not GGUF before native code runs', async () => {
    await expect(checkModelFile(join(dir, 'nope.gguf'))).rejects.toThrow(/model file .*nope\.gguf does not exist/);
    await expect(checkModelFile(dir)).rejects.toThrow(/is not a file/);
    await writeFile(join(dir, 'weights.bin'), 'PK\u0003\u0004 a zip, not a model');
    await expect(checkModelFile(join(dir, 'weights.bin'))).rejects.toThrow(/is not a GGUF model \(it starts with "PK\\u0003\\u0004"/);
  });

  it('turns a corrupt GGUF into a BackendError from the real loader, and can retry after the file is fixed', async () => {
    const path = join(dir, 'corrupt.gguf');
    await writeFile(path, Buffer.concat([Buffer.from('GGUF'), Buffer.from([3, 0, 0, 0]), Buffer.from('truncated header bytes')]));
    const backend = new LlamaCppBackend({ modelPath: path, gpu: false });
    const error = await backend.chat({ messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/^backend llamacpp:corrupt\.gguf: cannot load .*corrupt\.gguf: /);
    await writeTinyLlamaGguf(path);
    await expect(backend.load()).resolves.toBeDefined();
    await backend.close();
  });
});

describe('a real GGUF model in-process', () => {
  let backend: LlamaCppBackend;
  const progress: LlamaCppProgress[] = [];
  beforeAll(async () => {
    backend = new LlamaCppBackend({ modelPath: tiny, gpu: false, contextSize: 1024, onProgress: (p) => progress.push(p) });
    await backend.load();
  });

  it('reports loading progress and the threads it chose', () => {
    expect(progress[0]).toEqual({ phase: 'loading', fraction: 0 });
    const ready = progress[progress.length - 1];
    expect(ready).toEqual({ phase: 'ready', loadMs: expect.any(Number), threads: defaultThreads() });
  });
  afterAll(() => backend.close());

  it('generates up to maxTokens with usage counted by the model tokenizer', async () => {
    const result = await backend.chat({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello world' }], sampling: { maxTokens: 6, temperature: 0 } });
    expect(result.model).toBe('tiny.gguf');
    // The rendered chat template plus both messages, mostly one byte token per character.
    expect(result.usage.promptTokens).toBeGreaterThan('Be brief.hello world'.length);
    expect(result.usage.completionTokens).toBeGreaterThan(0);
    expect(result.usage.completionTokens).toBeLessThanOrEqual(6);
    if (result.finishReason === 'length') expect(result.usage.completionTokens).toBe(6);
    expect(['length', 'stop']).toContain(result.finishReason);
    expect(backend.id).toBe('llamacpp:tiny.gguf');
  });

  it('is deterministic at temperature 0 and streams the same text in pieces', async () => {
    const request = { messages: [{ role: 'user' as const, content: 'the world' }], sampling: { maxTokens: 8, temperature: 0 } };
    const first = await backend.chat(request);
    const events: ChatStreamEvent[] = [];
    for await (const event of backend.stream(request)) events.push(event);
    const done = events.at(-1);
    expect(done?.type).toBe('done');
    const streamed = events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');
    if (done?.type === 'done') expect(done.result.text).toBe(streamed);
    expect(streamed).toBe(first.text);
  });

  it('stops a generation when its signal aborts, with an AbortError', async () => {
    const controller = new AbortController();
    const stream = backend.stream({ messages: [{ role: 'user', content: 'hello' }], sampling: { maxTokens: 400, temperature: 0 }, signal: controller.signal });
    let deltas = 0;
    const error = await (async () => {
      for await (const event of stream) {
        if (event.type === 'delta' && ++deltas === 1) controller.abort(new Error('person pressed stop'));
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
  });

  it('stops generating when the consumer stops reading, and frees the model for the next request', async () => {
    const started = performance.now();
    for await (const event of backend.stream({ messages: [{ role: 'user', content: 'hello' }], sampling: { maxTokens: 2000, temperature: 0 } })) {
      if (event.type === 'delta') break;
    }
    // With one slot, this request waits until the abandoned generation has really stopped.
    const next = await backend.chat({ messages: [{ role: 'user', content: 'the' }], sampling: { maxTokens: 2, temperature: 0 } });
    expect(next.usage.completionTokens).toBeGreaterThan(0);
    // Left running, 2000 tokens of this model hold the only slot for minutes (past the test timeout).
    expect(performance.now() - started).toBeLessThan(60_000);
  });
});

describe('plugin', () => {
  it('registers "llamacpp" and refuses to build without a model path', async () => {
    const { registries } = await loadPluginPackage(new URL('..', import.meta.url));
    expect(() => registries.backends.get('llamacpp')({})).toThrow(/no model file/);
  });
});

describeBackendConformance('@flowsteer/backends-llamacpp', {
  packageDir: new URL('..', import.meta.url),
  backend: 'llamacpp',
  setup: async () => {
    const model = join(await mkdtemp(join(tmpdir(), 'flowsteer-llamacpp-conf-')), 'tiny.gguf');
    await writeTinyLlamaGguf(model, 7);
    return { settings: { model, options: { gpu: false, contextSize: 1024 } }, teardown: () => rm(join(model, '..'), { recursive: true, force: true }) };
  },
  failing: async () => ({ settings: { model: join(tmpdir(), 'flowsteer-no-such-model.gguf'), options: { gpu: false } } }),
  timeoutMs: 120_000,
});
