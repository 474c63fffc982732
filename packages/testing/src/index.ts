import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A chat completions request as the fake server received it. */
export interface RecordedRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: {
    readonly model?: string;
    readonly messages?: ReadonlyArray<{ role: string; content: string }>;
    readonly stream?: boolean;
    readonly [key: string]: unknown;
  };
}

export type FakeReply =
  | {
      readonly content: string;
      readonly finishReason?: string;
      readonly usage?: { prompt_tokens: number; completion_tokens: number };
      readonly tokenIds?: readonly number[];
      readonly logprobs?: readonly number[];
      /** Delay before answering, in ms (a slow server). */
      readonly delayMs?: number;
    }
  | { readonly status: number; readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> }
  /** Accept the request and never answer (a hung server). */
  | { readonly hang: true }
  /** Answer 200 with a body that is not JSON. */
  | { readonly malformed: true }
  /** Close the socket without any response. */
  | { readonly drop: true };

export type FakeScript = (request: RecordedRequest, index: number) => FakeReply | Promise<FakeReply>;

/**
 * A real HTTP server on 127.0.0.1 that speaks the OpenAI chat completions protocol (JSON and
 * SSE streaming) with scripted answers and injectable faults. Every request is recorded.
 */
export class FakeOpenAiServer {
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #open = new Set<ServerResponse>();
  #script: FakeScript;

  private constructor(script: FakeScript) {
    this.#script = script;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(script: FakeScript | readonly FakeReply[] = () => ({ content: 'ok' })): Promise<FakeOpenAiServer> {
    const server = new FakeOpenAiServer(FakeOpenAiServer.#toScript(script));
    await new Promise<void>((resolve) => server.#server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  /** Replies in order; the last reply repeats once the list is exhausted. */
  static #toScript(script: FakeScript | readonly FakeReply[]): FakeScript {
    if (typeof script === 'function') return script;
    if (script.length === 0) throw new Error('empty script');
    return (_request, index) => script[Math.min(index, script.length - 1)] as FakeReply;
  }

  setScript(script: FakeScript | readonly FakeReply[]): void {
    this.#script = FakeOpenAiServer.#toScript(script);
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  async close(): Promise<void> {
    for (const res of this.#open) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#open.add(res);
    res.on('close', () => this.#open.delete(res));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method === 'GET' && req.url?.endsWith('/models') === true) {
      this.#json(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model' }] });
      return;
    }
    if (req.method !== 'POST' || req.url?.endsWith('/chat/completions') !== true) {
      this.#json(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
      return;
    }
    let body: RecordedRequest['body'];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RecordedRequest['body'];
    } catch {
      this.#json(res, 400, { error: { message: 'request body is not JSON' } });
      return;
    }
    const request: RecordedRequest = { path: req.url, headers: req.headers, body };
    const index = this.requests.length;
    this.requests.push(request);
    const reply = await this.#script(request, index);
    if ('hang' in reply) return;
    if ('drop' in reply) {
      req.socket.destroy();
      return;
    }
    if ('malformed' in reply) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"choices": [ this is not json');
      return;
    }
    if ('status' in reply) {
      this.#json(res, reply.status, reply.body ?? { error: { message: `scripted ${reply.status}` } }, reply.headers);
      return;
    }
    if (reply.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (res.destroyed) return;
    const model = body.model ?? 'fake-model';
    const usage = reply.usage ?? { prompt_tokens: promptTokens(body), completion_tokens: reply.content.split(/\s+/).filter(Boolean).length };
    const usageBlock = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
    const logprobs = reply.logprobs === undefined ? null : { content: reply.logprobs.map((lp, i) => ({ token: `t${i}`, logprob: lp })) };
    if (body.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const pieces = reply.content.match(/.{1,7}/gs) ?? [];
      for (const piece of pieces) {
        res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] })}\n\n`);
      }
      res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: {}, finish_reason: reply.finishReason ?? 'stop', ...(logprobs === null ? {} : { logprobs }), ...(reply.tokenIds === undefined ? {} : { token_ids: reply.tokenIds }) }] })}\n\n`);
      res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model, choices: [], usage: usageBlock })}\n\n`);
      res.end('data: [DONE]\n\n');
      return;
    }
    this.#json(res, 200, {
      id: 'c1',
      object: 'chat.completion',
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: reply.content },
          finish_reason: reply.finishReason ?? 'stop',
          logprobs,
          ...(reply.tokenIds === undefined ? {} : { token_ids: reply.tokenIds }),
        },
      ],
      usage: usageBlock,
    });
  }

  #json(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }
}

function promptTokens(body: RecordedRequest['body']): number {
  return (body.messages ?? []).reduce((sum, m) => sum + m.content.split(/\s+/).filter(Boolean).length, 0);
}

/** The text of the last user message of a recorded request. */
export function lastUserMessage(request: RecordedRequest): string {
  const messages = request.body.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === 'user') return messages[i]?.content ?? '';
  return '';
}
export * from './canvas-scripts.js';
