import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EnvRequestError } from './errors.js';

/** Reads the raw body, refusing more than `limit` bytes before buffering them. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    // Plain listeners: an async iterator per request costs several promises per chunk on the hot path.
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new EnvRequestError('TOO_LARGE', `request body is over the ${limit}-byte limit`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    let ended = false;
    req.once('end', () => {
      ended = true;
      if (!failed) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    req.once('error', (error) => {
      if (!failed) reject(error);
      failed = true;
    });
    // A client that goes away mid-body: nothing will answer, but the handler must not wait forever.
    req.once('close', () => {
      if (!ended && !failed) reject(new EnvRequestError('BAD_REQUEST', 'the request body was cut off'));
      failed = true;
    });
  });
}

/** Reads a JSON object body, refusing more than `limit` bytes before buffering them. */
export async function readJsonObject(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new EnvRequestError('TOO_LARGE', `request body of ${declared} bytes is over the ${limit}-byte limit`);
  const body = await readBody(req, limit);
  let value: unknown;
  try {
    value = JSON.parse(body.length === 0 ? '{}' : body.toString('utf8'));
  } catch {
    throw new EnvRequestError('BAD_REQUEST', 'request body must be a JSON object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EnvRequestError('BAD_REQUEST', 'request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Constant-time check of `Authorization: Bearer <token>`. */
export function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = req.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** The path of a request target, without the query (no URL object: this runs on every request). */
export function pathOf(target: string | undefined): string {
  if (target === undefined) return '/';
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

/** Encodes once: the body's bytes are both the content length and what is written. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  const head: string[] = ['content-type', 'application/json', 'content-length', String(bytes.length)];
  for (const name in headers) head.push(name, headers[name] as string);
  res.writeHead(status, head);
  res.end(bytes);
}
