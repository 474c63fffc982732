import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CanvasExecutor, CanvasOptions } from '@flowsteer/canvas';
import { describeError } from '@flowsteer/core';
import { Episode, type CanvasFactoryFn } from './episode.js';
import { EnvRequestError } from './errors.js';
import { authorized, pathOf, readJsonObject, sendJson } from './http.js';
import { PROTOCOL_VERSION, type BatchItem, type EnvTask, type ErrorBody, type ResetResponse, type StepResponse, type WireObservation } from './protocol.js';
import { REWARD_CHOICES, rewardFunction } from './rewards.js';
import { PROTOCOL_SCHEMA } from './schema.js';
import { EvalScorer, SCORING_MODES, type EpisodeScorer, type ScoringMode } from './scoring.js';
import { SessionStore } from './sessions.js';
import { readTask } from './tasks.js';
import type { ProxyRollouts } from './proxy.js';

export interface EnvServerOptions {
  /** Settings of the built-in canvas; with `createCanvas`, only its round limit is read. */
  readonly canvas?: Omit<CanvasOptions, 'executor' | 'runId'>;
  /**
   * The canvas of one session (the one `canvas.use` names), given the session's executor. Without
   * it every session plays the built-in canvas with `canvas`.
   */
  readonly createCanvas?: CanvasFactoryFn;
  /**
   * The executor of one session (the configured workflow executor, or the test executor). Without
   * one the canvas only edits (execution is reported as skipped): for benchmarks of the server.
   */
  readonly executor?: (task: EnvTask, seed: number) => CanvasExecutor;
  /** Scores each finished episode; the eval package's metrics by default (`SlotScorer` wraps a named one). */
  readonly scorer?: EpisodeScorer;
  readonly scoring?: ScoringMode;
  /** Default reward schedule; a reset may pick another. */
  readonly schedule?: string;
  readonly maxSessions?: number;
  /** Sessions idle longer than this are dropped. */
  readonly sessionTtlMs?: number;
  /** When set, every route but GET /v1/health needs `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Policy outputs over this many UTF-8 bytes are refused (the parser never sees them). */
  readonly maxActionBytes?: number;
  readonly maxBatch?: number;
  /** Seeds of sessions that do not bring one: seed, seed + 1, … */
  readonly seed?: number;
  /** Proxy mode: the server runs episodes with the policy behind a gateway (POST /v1/rollout). */
  readonly proxy?: ProxyRollouts;
}

type Handler = (body: Record<string, unknown>, signal: AbortSignal) => Promise<unknown>;

/**
 * The Workflow Canvas as a complete RL environment over HTTP/JSON (protocol `flowsteer.env/1`):
 * each session executes its workflow with the configured executor, scores the final answer with
 * the eval package's metrics and returns the CWRPO breakdown with the step that ends it.
 */
export class EnvServer {
  readonly #server: Server;
  readonly #options: EnvServerOptions;
  readonly #sessions: SessionStore;
  readonly #scorer: EpisodeScorer;
  readonly #shutdown = new AbortController();
  readonly #idle: Array<() => void> = [];
  #inFlight = 0;
  #closing = false;
  #nextSeed: number;

  constructor(options: EnvServerOptions = {}) {
    this.#options = options;
    rewardFunction(options.schedule ?? 'reference');
    this.#sessions = new SessionStore({ maxSessions: options.maxSessions ?? 1024, ttlMs: options.sessionTtlMs ?? 30 * 60_000 });
    this.#scorer = options.scorer ?? new EvalScorer();
    this.#nextSeed = options.seed ?? 0;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.keepAliveTimeout = 65_000;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, resolve);
    });
    const address = this.#server.address() as AddressInfo;
    return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  /**
   * Graceful shutdown: new requests get 503, requests in flight finish (up to `graceMs`, then they
   * are aborted), then connections close and the scorer's sandbox is released.
   */
  async close(graceMs = 30_000): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#server.close();
    this.#server.closeIdleConnections();
    if (this.#inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((resolve) => this.#idle.push(resolve)), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    this.#shutdown.abort(new Error('the environment server is shutting down'));
    this.#server.closeAllConnections();
    this.#sessions.stop();
    await this.#scorer.close();
    await this.#options.proxy?.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#inFlight++;
    try {
      const path = pathOf(req.url);
      if (this.#closing) throw new EnvRequestError('SHUTTING_DOWN', 'the environment server is shutting down');
      if (req.method === 'GET' && path === '/v1/health') return sendJson(res, 200, { protocol: PROTOCOL_VERSION, ok: true, sessions: this.#sessions.size, maxSessions: this.#sessions.capacity });
      if (!authorized(req, this.#options.token)) throw new EnvRequestError('UNAUTHORIZED', 'missing or wrong bearer token');
      if (req.method === 'GET' && path === '/v1/schema') return sendJson(res, 200, PROTOCOL_SCHEMA);
      const match = /^\/v1\/sessions\/([\w-]{1,64})$/.exec(path);
      if (req.method === 'DELETE' && match !== null) {
        if (!this.#sessions.delete(match[1] as string)) throw new EnvRequestError('NOT_FOUND', `unknown or expired session ${match[1] as string}`);
        return sendJson(res, 200, { protocol: PROTOCOL_VERSION, deleted: match[1] });
      }
      const handler = req.method === 'POST' ? this.#route(path) : undefined;
      if (handler === undefined) throw new EnvRequestError('NOT_FOUND', `no route ${req.method ?? ''} ${path}`);
      const body = await readJsonObject(req, this.#bodyLimit());
      checkProtocol(body);
      sendJson(res, 200, await handler(body, this.#shutdown.signal));
    } catch (error) {
      const failure = asRequestError(error);
      sendJson(res, failure.status, errorBody(failure), failure.reason === 'UNAUTHORIZED' ? { 'www-authenticate': 'Bearer' } : {});
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  #route(path: string): Handler | undefined {
    switch (path) {
      case '/v1/reset':
        return (body) => this.#reset(body);
      case '/v1/step':
        return (body, signal) => this.#step(body, signal);
      case '/v1/batch/reset':
        return (body) => this.#batch(body, (item) => this.#reset(item));
      case '/v1/batch/step':
        return (body, signal) => this.#batch(body, (item) => this.#step(item, signal));
      case '/v1/rollout':
        return (body, signal) => this.#rollout(body, signal);
      default:
        return undefined;
    }
  }

  #bodyLimit(): number {
    return Math.max(1 << 20, (this.#options.maxActionBytes ?? 16_384) * 2 * Math.min(this.#options.maxBatch ?? 1024, 1024) + (1 << 20));
  }

  async #reset(body: Record<string, unknown>): Promise<ResetResponse> {
    const task = readTask(body['task'], { requireAnswer: true });
    const seed = readSeed(body['seed']) ?? this.#nextSeed++;
    const schedule = readChoice(body['schedule'], REWARD_CHOICES, 'schedule') ?? this.#options.schedule ?? 'reference';
    const scoring = (readChoice(body['scoring'], SCORING_MODES, 'scoring') as ScoringMode | undefined) ?? this.#options.scoring ?? 'strict';
    const compact = readFlag(body['compact'], 'compact');
    this.#sessions.reserve();
    const id = randomUUID();
    const episode = new Episode({ id, task, seed, schedule, scoring, canvas: this.#options.canvas ?? {}, ...(this.#options.createCanvas === undefined ? {} : { createCanvas: this.#options.createCanvas }), ...(this.#options.executor === undefined ? {} : { executor: this.#options.executor(task, seed) }), scorer: this.#scorer, compact });
    this.#sessions.add(episode);
    return { protocol: PROTOCOL_VERSION, session: id, seed, schedule, observation: episode.first };
  }

  async #step(body: Record<string, unknown>, signal: AbortSignal): Promise<StepResponse> {
    const id = body['session'];
    const action = body['action'];
    if (typeof id !== 'string') throw new EnvRequestError('BAD_REQUEST', 'body.session must be a string');
    if (typeof action !== 'string') throw new EnvRequestError('BAD_REQUEST', 'body.action must be the raw policy completion (a string)');
    const limit = this.#options.maxActionBytes ?? 16_384;
    const bytes = Buffer.byteLength(action, 'utf8');
    if (bytes > limit) throw new EnvRequestError('TOO_LARGE', `body.action is ${bytes} bytes; the limit is ${limit} (--max-action-bytes); the session is unchanged`);
    const episode = this.#sessions.get(id);
    if (episode.busy) throw new EnvRequestError('SESSION_BUSY', `session ${id} is still applying its previous step; send the next step after its response`);
    episode.busy = true;
    try {
      const response = await episode.step(action, signal);
      if (response.done) this.#sessions.finish(id);
      return response;
    } finally {
      episode.busy = false;
      episode.touched = Date.now();
    }
  }

  async #batch(body: Record<string, unknown>, run: (item: Record<string, unknown>) => Promise<unknown>): Promise<{ protocol: string; results: BatchItem<unknown>[] }> {
    const items = body['requests'];
    const max = this.#options.maxBatch ?? 1024;
    if (!Array.isArray(items)) throw new EnvRequestError('BAD_REQUEST', 'body.requests must be an array of requests');
    if (items.length > max) throw new EnvRequestError('TOO_LARGE', `a batch holds at most ${max} requests, got ${items.length}`);
    const results = await Promise.all(
      items.map(async (item: unknown): Promise<BatchItem<unknown>> => {
        try {
          if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new EnvRequestError('BAD_REQUEST', 'each request must be a JSON object');
          return { status: 200, body: await run(item as Record<string, unknown>) };
        } catch (error) {
          const failure = asRequestError(error);
          return { status: failure.status, body: errorBody(failure) };
        }
      }),
    );
    return { protocol: PROTOCOL_VERSION, results };
  }

  async #rollout(body: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
    const proxy = this.#options.proxy;
    if (proxy === undefined) throw new EnvRequestError('NOT_FOUND', 'proxy mode is off; start serve-env with --proxy to run episodes with a gateway policy');
    // The gateway policy reads `messages`: a rollout's session is never compact.
    const { session, observation } = await this.#reset({ ...body, compact: false });
    try {
      return await proxy.run(session, observation as WireObservation, (action) => this.#step({ session, action }, signal), signal, body['rollout']);
    } finally {
      this.#sessions.delete(session);
    }
  }
}

function checkProtocol(body: Record<string, unknown>): void {
  const protocol = body['protocol'];
  if (protocol !== undefined && protocol !== PROTOCOL_VERSION) throw new EnvRequestError('PROTOCOL_MISMATCH', `this server speaks ${PROTOCOL_VERSION}, the request asked for ${String(protocol)}`);
}

function readSeed(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new EnvRequestError('BAD_REQUEST', 'body.seed must be an integer in [0, 2^32)');
  return value;
}

function readFlag(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new EnvRequestError('BAD_REQUEST', `body.${field} must be a boolean`);
  return value;
}

function readChoice(value: unknown, choices: readonly string[], field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !choices.includes(value)) throw new EnvRequestError('BAD_REQUEST', `body.${field} must be one of ${choices.join(', ')}`);
  return value;
}

function asRequestError(error: unknown): EnvRequestError {
  return error instanceof EnvRequestError ? error : new EnvRequestError('INTERNAL', describeError(error));
}

function errorBody(error: EnvRequestError): ErrorBody {
  return { protocol: PROTOCOL_VERSION, error: error.message, reason: error.reason };
}
