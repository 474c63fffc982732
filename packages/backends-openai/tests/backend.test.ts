import { createServer } from 'node:net';
import { AbortError, BackendError, collectStream, type ChatStreamEvent } from '@flowsteer/core';
import { FakeOpenAiServer, lastUserMessage } from '@flowsteer/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAiCompatibleBackend, plugin } from '../src/index.js';
import { loadPluginPackage } from '@flowsteer/plugin-testkit';
import { HostileServer } from './hostile-servers.js';

let server: FakeOpenAiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const hi = { messages: [{ role: 'user' as const, content: 'hello there' }] };

function backend(overrides: Partial<ConstructorParameters<typeof OpenAiCompatibleBackend>[0]> = {}): OpenAiCompatibleBackend {
  if (server === undefined) throw new Error('start the server first');
  return new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: 'test-model', apiKey: 'sk-test', retryBaseMs: 5, retryCapMs: 20, ...overrides });
}

async function unusedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('OpenAiCompatibleBackend', () => {
  it('sends a chat completion and reports text, usage and model', async () => {
    server = await FakeOpenAiServer.start([{ content: 'general kenobi', usage: { prompt_tokens: 7, completion_tokens: 2 } }]);
    const result = await backend({ temperature: 0.2 }).chat({ ...hi, sampling: { maxTokens: 64, topP: 0.9, stop: ['\n\n'], seed: 3 } });
    expect(result).toMatchObject({ text: 'general kenobi', model: 'test-model', finishReason: 'stop', usage: { promptTokens: 7, completionTokens: 2, totalTokens: 9 } });
    expect(result.latencyMs).toBeGreaterThan(0);
    const [request] = server.requests;
    expect(request?.headers['authorization']).toBe('Bearer sk-test');
    expect(request?.body).toMatchObject({ model: 'test-model', temperature: 0.2, max_tokens: 64, top_p: 0.9, stop: ['\n\n'], seed: 3 });
    expect(lastUserMessage(request!)).toBe('hello there');
  });

  it('streams deltas and ends with the same result chat would give', async () => {
    server = await FakeOpenAiServer.start([{ content: 'a streamed answer that spans several chunks', usage: { prompt_tokens: 3, completion_tokens: 8 } }]);
    const deltas: string[] = [];
    const events: ChatStreamEvent[] = [];
    for await (const event of backend().stream(hi)) events.push(event);
    const result = await collectStream((async function* () { yield* events; })(), (d) => deltas.push(d));
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe('a streamed answer that spans several chunks');
    expect(result).toMatchObject({ text: 'a streamed answer that spans several chunks', usage: { totalTokens: 11 }, finishReason: 'stop' });
    expect(server.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('retries a 500 and succeeds', async () => {
    server = await FakeOpenAiServer.start([{ status: 500 }, { status: 503 }, { content: 'third time lucky' }]);
    expect((await backend().chat(hi)).text).toBe('third time lucky');
    expect(server.requests).toHaveLength(3);
  });

  it('honours 429 and gives up after maxRetries with a typed, retryable error', async () => {
    server = await FakeOpenAiServer.start([{ status: 429, body: { error: { message: 'rate limited' } } }]);
    const error = await backend({ maxRetries: 2 }).chat(hi).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ status: 429, retryable: true });
    expect((error as Error).message).toContain('HTTP 429: rate limited (after 3 attempts)');
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a 400 and surfaces the server message', async () => {
    server = await FakeOpenAiServer.start([{ status: 400, body: { error: { message: 'model not found' } } }]);
    const error = await backend().chat(hi).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BACKEND_FAILED', status: 400, retryable: false });
    expect((error as Error).message).toBe('backend openai:test-model: HTTP 400: model not found');
    expect(server.requests).toHaveLength(1);
  });

  it('times out a hung server and fails clearly after the retries', async () => {
    // The server never answers, so the outcome does not depend on how fast the machine is.
    server = await FakeOpenAiServer.start([{ hang: true }]);
    const error = await backend({ timeoutMs: 100, maxRetries: 1 }).chat(hi).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toContain('request timed out after 100 ms (after 2 attempts)');
    expect(server.requests).toHaveLength(2);
  });

  it('retries after a timeout and takes the next answer', async () => {
    // Only the hung first attempt has to time out; the answer gets a generous bound, so a slow
    // machine cannot turn it into a timeout too.
    server = await FakeOpenAiServer.start([{ hang: true }, { content: 'late but fine' }]);
    expect((await backend({ timeoutMs: 1_000, maxRetries: 1 }).chat(hi)).text).toBe('late but fine');
    expect(server.requests).toHaveLength(2);
  });

  it('times out a response that stalls after its headers, as a retryable failure', async () => {
    const stalled = await HostileServer.start((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}\n\n');
    });
    try {
      const error = await collectStream(new OpenAiCompatibleBackend({ baseUrl: stalled.baseUrl, model: 'm', timeoutMs: 100, maxRetries: 0 }).stream(hi)).catch((e: unknown) => e);
      expect(error).toMatchObject({ retryable: true });
      expect((error as Error).message).toContain('response timed out after 100 ms');
    } finally {
      await stalled.close();
    }
  });

  it('reports a dead server and a dropped connection', async () => {
    const port = await unusedPort();
    const dead = new OpenAiCompatibleBackend({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', maxRetries: 1, retryBaseMs: 1 });
    await expect(dead.chat(hi)).rejects.toThrow(/cannot reach http:\/\/127\.0\.0\.1:\d+\/v1: ECONNREFUSED/);
    server = await FakeOpenAiServer.start([{ drop: true }, { content: 'reconnected' }]);
    expect((await backend().chat(hi)).text).toBe('reconnected');
  });

  it('rejects a malformed body without retrying', async () => {
    server = await FakeOpenAiServer.start([{ malformed: true }]);
    await expect(backend().chat(hi)).rejects.toThrow('server returned a body that is not JSON');
    expect(server.requests).toHaveLength(1);
  });

  it('cancels in flight with AbortError and does not retry', async () => {
    server = await FakeOpenAiServer.start([{ hang: true }]);
    const controller = new AbortController();
    // Cancelled once the server holds the request: in flight, not before it was sent.
    server.setScript(() => {
      controller.abort();
      return { hang: true };
    });
    const pending = backend().chat({ ...hi, signal: controller.signal });
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    // The server holds requests until two are in flight, then answers both: a backend that sent
    // more at once would raise the peak, one that sent them one by one would never get an answer.
    let waiting: Array<() => void> = [];
    server = await FakeOpenAiServer.start(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      const answered = new Promise<void>((resolve) => waiting.push(resolve));
      if (inFlight === 2) {
        for (const answer of waiting) answer();
        waiting = [];
      }
      await answered;
      inFlight--;
      return { content: 'ok' };
    });
    const limited = backend({ concurrency: 2 });
    await Promise.all(Array.from({ length: 6 }, () => limited.chat(hi)));
    expect(peak).toBe(2);
    expect(server.requests).toHaveLength(6);
  });

  it('returns logprobs and token ids when the server sends them, streaming or not', async () => {
    server = await FakeOpenAiServer.start([{ content: 'x y', tokenIds: [11, 12], logprobs: [-0.1, -0.2] }]);
    const plain = await backend({ requestTokenIds: true }).chat({ ...hi, sampling: { logprobs: true } });
    expect(plain).toMatchObject({ tokenIds: [11, 12], logprobs: [-0.1, -0.2] });
    expect(server.requests[0]?.body).toMatchObject({ logprobs: true, return_token_ids: true });
    const streamed = await collectStream(backend().stream({ ...hi, sampling: { logprobs: true } }));
    expect(streamed).toMatchObject({ text: 'x y', tokenIds: [11, 12], logprobs: [-0.1, -0.2] });
  });

  it('needs a model', () => {
    expect(() => new OpenAiCompatibleBackend({ baseUrl: 'http://127.0.0.1:1/v1' })).toThrow(/no model configured/);
  });

  it('registers as the "openai" backend plugin', async () => {
    server = await FakeOpenAiServer.start([{ content: 'via plugin' }]);
    const { registries, plugin: loaded } = await loadPluginPackage(new URL('..', import.meta.url));
    expect(loaded.provides.backends).toEqual(['openai']);
    const created = await registries.backends.get('openai')({ baseUrl: server.baseUrl, model: 'm' });
    expect((await created.chat(hi)).text).toBe('via plugin');
    expect(plugin.meta).toMatchObject({ name: '@flowsteer/backends-openai', apiVersion: 1 });
  });
});
