import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { collectStream } from '@flowsteer/core';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAiCompatibleBackend } from '../src/index.js';

const hi = { messages: [{ role: 'user' as const, content: 'hello' }] };
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

interface Seen {
  readonly headers: IncomingMessage['headers'];
  readonly url: string;
  readonly body: string;
}

/** A loopback server that records what it saw and counts the TCP connections it accepted. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ baseUrl: string; seen: Seen[]; connections: () => number }> {
  const seen: Seen[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ headers: req.headers, url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      handler(req, res);
    });
  });
  server.on('connection', () => connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { baseUrl: `http://127.0.0.1:${port}/v1`, seen, connections: () => connections };
}

const completion = (content: string): string => JSON.stringify({ model: 'm', choices: [{ message: { content }, finish_reason: 'stop' }] });

describe('HTTP transport', () => {
  it('reuses one keep-alive connection for calls made one after another', async () => {
    const server = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(completion('ok')));
    const backend = new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: 'm' });
    for (let i = 0; i < 5; i++) expect((await backend.chat(hi)).text).toBe('ok');
    expect(server.seen).toHaveLength(5);
    expect(server.connections()).toBe(1);
    await backend.close();
  });

  it('opens no more connections than its concurrency', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n');
    });
    const backend = new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: 'm', concurrency: 3 });
    await Promise.all(Array.from({ length: 30 }, () => collectStream(backend.stream(hi))));
    expect(server.seen).toHaveLength(30);
    expect(server.connections()).toBeLessThanOrEqual(3);
    await backend.close();
  });

  it('decodes a gzip-compressed body', async () => {
    const server = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(completion('squeezed'))));
    expect((await new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: 'm' }).chat(hi)).text).toBe('squeezed');
    expect(server.seen[0]?.headers['accept-encoding']).toContain('gzip');
  });

  it('follows a 307 with the same body, and drops the API key when the redirect leaves the origin', async () => {
    const target = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(completion('moved')));
    const origin = await serve((_req, res) => res.writeHead(307, { location: `${target.baseUrl}/chat/completions` }).end());
    const result = await new OpenAiCompatibleBackend({ baseUrl: origin.baseUrl, model: 'm', apiKey: 'sk-secret' }).chat(hi);
    expect(result.text).toBe('moved');
    expect(origin.seen[0]?.headers['authorization']).toBe('Bearer sk-secret');
    expect(target.seen[0]?.headers['authorization']).toBeUndefined();
    expect(JSON.parse(target.seen[0]?.body ?? '{}')).toMatchObject({ model: 'm', messages: [{ role: 'user', content: 'hello' }] });
  });

  it('posts to the base URL path, trailing slash or not', async () => {
    const server = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(completion('ok')));
    await new OpenAiCompatibleBackend({ baseUrl: `${server.baseUrl}/`, model: 'm' }).chat(hi);
    expect(server.seen[0]?.url).toBe('/v1/chat/completions');
  });

  it('refuses a base URL that is not a URL when it is configured', () => {
    expect(() => new OpenAiCompatibleBackend({ baseUrl: 'not a url', model: 'm' })).toThrow('baseUrl is not a URL: not a url');
  });
});
