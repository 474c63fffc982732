import { BackendError, collectStream } from '@flowsteer/core';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAiCompatibleBackend } from '../src/index.js';
import { parseRetryAfter } from '../src/http-body.js';
import { HostileServer, deltaEvent, sseEvent, writeWithBackpressure } from './hostile-servers.js';

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const hi = { messages: [{ role: 'user' as const, content: 'hello' }] };

function backend(overrides: Partial<ConstructorParameters<typeof OpenAiCompatibleBackend>[0]> = {}): OpenAiCompatibleBackend {
  if (server === undefined) throw new Error('start the server first');
  return new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: 'm', retryBaseMs: 5, retryCapMs: 20, ...overrides });
}

function sseHead(res: import('node:http').ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
}

describe('against hostile servers', () => {
  it('a stream closed without [DONE] after text is a retryable BackendError, never a partial success', async () => {
    server = await HostileServer.start((_req, res) => {
      sseHead(res);
      res.write(deltaEvent('The answer is 4'));
      res.end(); // no [DONE]: the rest of the answer never arrives
    });
    const error = await collectStream(backend().stream(hi)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).retryable).toBe(true);
    expect((error as Error).message).toContain('stream truncated: the server closed it without [DONE] after 15 characters');
  });

  it('a stream cut by a destroyed socket mid-event is retryable too', async () => {
    server = await HostileServer.start((_req, res) => {
      sseHead(res);
      res.write(deltaEvent('partial'));
      res.write('data: {"choices":[{"delta":{"content":"hal');
      setImmediate(() => res.destroy());
    });
    const error = await collectStream(backend({ maxRetries: 0 }).stream(hi)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).retryable).toBe(true);
  });

  it('a stream closed before any text is retried transparently', async () => {
    server = await HostileServer.start((_req, res, index) => {
      sseHead(res);
      if (index === 0) {
        res.end(sseEvent({ model: 'hostile', choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: null }] }));
        return;
      }
      res.write(deltaEvent('whole answer'));
      res.write(sseEvent({ model: 'hostile', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
      res.end('data: [DONE]\n\n');
    });
    const result = await collectStream(backend().stream(hi));
    expect(result).toMatchObject({ text: 'whole answer', finishReason: 'stop' });
    expect(server.requests).toHaveLength(2);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const waitMs = 2_000;
    server = await HostileServer.start((_req, res, index) => {
      if (index === 0) {
        res.writeHead(503, { 'retry-after': new Date(Date.now() + waitMs).toUTCString(), 'content-type': 'application/json' });
        res.end('{"error":{"message":"overloaded"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ model: 'm', choices: [{ message: { content: 'later' }, finish_reason: 'stop' }] }));
    });
    expect((await backend().chat(hi)).text).toBe('later');
    const [first, second] = server.requests;
    // HTTP dates have one-second resolution, so the date may be up to 1 s earlier than now + waitMs.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(waitMs - 1_000);
  });

  it('parses Retry-After seconds and dates, and ignores junk and past dates', () => {
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:27:00 GMT', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-4', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('stops reading a 100 MB JSON body at the cap with a clear, non-retryable error', async () => {
    const limit = 1024 * 1024;
    server = await HostileServer.start(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      await writeWithBackpressure(res, '{"choices":[{"message":{"content":"');
      const block = 'x'.repeat(64 * 1024);
      for (let sent = 0; sent < 100 * 1024 * 1024; sent += block.length) if (!(await writeWithBackpressure(res, block))) return;
      res.end('"}}]}');
    });
    const error = await backend({ maxResponseBytes: limit }).chat(hi).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).retryable).toBe(false);
    expect((error as Error).message).toContain(`response body exceeds the ${limit}-byte limit (maxResponseBytes)`);
    expect(server.requests).toHaveLength(1);
    await expect.poll(() => server?.closedEarly[0]).toBe(true);
    // The client hung up near the cap: far less than the 100 MB the server meant to send.
    expect(server.bytesWritten[0]).toBeLessThan(40 * 1024 * 1024);
  });

  it('refuses a body whose Content-Length is over the cap before reading it', async () => {
    server = await HostileServer.start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(200 * 1024 * 1024) });
      res.write('{"choices":');
    });
    await expect(backend({ maxResponseBytes: 4096 }).chat(hi)).rejects.toThrow('response body exceeds the 4096-byte limit');
  });

  it('caps an endless stream the same way', async () => {
    server = await HostileServer.start(async (_req, res) => {
      sseHead(res);
      const event = deltaEvent('y'.repeat(1000));
      for (;;) if (!(await writeWithBackpressure(res, event))) return;
    });
    const error = await collectStream(backend({ maxResponseBytes: 256 * 1024 }).stream(hi)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toContain('response body exceeds the 262144-byte limit');
  });

  it('reads a huge error body only for its message', async () => {
    server = await HostileServer.start(async (_req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      const block = 'e'.repeat(64 * 1024);
      for (let i = 0; i < 1600; i++) if (!(await writeWithBackpressure(res, block))) return;
      res.end();
    });
    const error = await backend().chat(hi).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/HTTP 400: e{100}/);
    expect((error as Error).message.length).toBeLessThan(700);
  });

  it('accumulates 40,000 one-token stream events with their token ids, in order', async () => {
    const events = 40_000;
    server = await HostileServer.start(async (_req, res) => {
      sseHead(res);
      let batch = '';
      for (let i = 0; i < events; i++) {
        batch += deltaEvent(i % 10 === 0 ? '\u00e9' : 'a', { token_ids: [i] });
        if (batch.length > 32 * 1024) {
          await writeWithBackpressure(res, batch);
          batch = '';
        }
      }
      await writeWithBackpressure(res, batch + sseEvent({ choices: [{ index: 0, delta: {}, finish_reason: 'length' }] }));
      res.end('data: [DONE]\n\n');
    });
    const result = await collectStream(backend().stream(hi));
    expect(result.finishReason).toBe('length');
    expect(result.text).toHaveLength(events);
    expect(result.tokenIds).toHaveLength(events);
    expect(result.tokenIds?.[events - 1]).toBe(events - 1);
    expect(result.tokenIds?.every((id, i) => id === i)).toBe(true);
  });

  it('splits multi-byte characters and events across arbitrary chunk boundaries', async () => {
    const body = deltaEvent('日本語の答え') + deltaEvent('😀') + 'data: [DONE]\n\n';
    const bytes = Buffer.from(body, 'utf8');
    server = await HostileServer.start(async (_req, res) => {
      sseHead(res);
      for (let i = 0; i < bytes.length; i += 3) await writeWithBackpressure(res, bytes.subarray(i, i + 3));
      res.end();
    });
    expect((await collectStream(backend().stream(hi))).text).toBe('日本語の答え😀');
  });
});
