import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CanvasEnv, type CanvasExecutor, type CanvasOptions } from '@flowsteer/canvas';
import { describeError } from '@flowsteer/core';
import { REFERENCE_SCHEDULE, cwrpoReward } from './reward.js';

export interface EnvServerOptions {
  readonly canvas?: Omit<CanvasOptions, 'executor' | 'runId'>;
  readonly executor?: CanvasExecutor;
  /** Sessions idle longer than this are dropped. */
  readonly sessionTtlMs?: number;
  readonly maxSessions?: number;
}

interface Session {
  readonly env: CanvasEnv;
  touched: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 4 * 1024 * 1024) throw new HttpError(413, 'request body over 4 MiB');
    chunks.push(chunk as Buffer);
  }
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'request body must be a JSON object');
  }
}

/**
 * CanvasEnv over HTTP/JSON for external trainers whose policy is an LLM:
 * `POST /reset {task}` → `{session, observation}`; `POST /step {session, action}` →
 * `{observation, feedback, done, info, reward?}` (the structure reward once done);
 * `DELETE /sessions/:id`; `GET /health`.
 */
export class EnvServer {
  readonly #server: Server;
  readonly #sessions = new Map<string, Session>();
  readonly #options: EnvServerOptions;

  constructor(options: EnvServerOptions = {}) {
    this.#options = options;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, resolve);
    });
    const address = this.#server.address() as AddressInfo;
    return `http://${host}:${address.port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      this.#expire();
      if (req.method === 'GET' && url.pathname === '/health') return this.#send(res, 200, { ok: true, sessions: this.#sessions.size });
      if (req.method === 'POST' && url.pathname === '/reset') return this.#send(res, 200, await this.#reset(await readJson(req)));
      if (req.method === 'POST' && url.pathname === '/step') return this.#send(res, 200, await this.#step(await readJson(req)));
      const match = /^\/sessions\/([\w-]+)$/.exec(url.pathname);
      if (req.method === 'DELETE' && match !== null) return this.#send(res, this.#sessions.delete(match[1] as string) ? 200 : 404, {});
      throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
    } catch (error) {
      this.#send(res, error instanceof HttpError ? error.status : 500, { error: describeError(error) });
    }
  }

  async #reset(body: Record<string, unknown>): Promise<unknown> {
    const task = body['task'] as { problem?: unknown; type?: unknown; entryPoint?: unknown; test?: unknown } | undefined;
    if (task === undefined || typeof task.problem !== 'string' || task.problem.trim() === '') throw new HttpError(400, 'body.task.problem must be a non-empty string');
    if (this.#sessions.size >= (this.#options.maxSessions ?? 1024)) throw new HttpError(429, 'too many open sessions; DELETE finished ones');
    const env = new CanvasEnv({ ...this.#options.canvas, ...(this.#options.executor === undefined ? {} : { executor: this.#options.executor }) });
    const { observation } = env.reset({
      problem: task.problem,
      type: typeof task.type === 'string' ? task.type : 'reasoning',
      ...(typeof task.entryPoint === 'string' ? { entryPoint: task.entryPoint } : {}),
      ...(typeof task.test === 'string' ? { test: task.test } : {}),
    });
    const session = randomUUID();
    this.#sessions.set(session, { env, touched: Date.now() });
    return { session, observation };
  }

  async #step(body: Record<string, unknown>): Promise<unknown> {
    const id = body['session'];
    const action = body['action'];
    if (typeof id !== 'string') throw new HttpError(400, 'body.session must be a string');
    if (typeof action !== 'string') throw new HttpError(400, 'body.action must be the raw policy output string');
    const session = this.#sessions.get(id);
    if (session === undefined) throw new HttpError(404, `unknown or expired session ${id}`);
    if (session.env.done) throw new HttpError(409, 'the episode is over; call /reset');
    session.touched = Date.now();
    const result = await session.env.step(action);
    const dsl = session.env.graph.toDsl();
    return {
      observation: result.observation,
      feedback: result.feedback,
      done: result.done,
      info: result.info,
      ...(result.done ? { structureReward: cwrpoReward(dsl, 0, REFERENCE_SCHEDULE).structure } : {}),
    };
  }

  #expire(): void {
    const ttl = this.#options.sessionTtlMs ?? 30 * 60_000;
    const now = Date.now();
    for (const [id, session] of this.#sessions) if (now - session.touched > ttl) this.#sessions.delete(id);
  }

  #send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
