/**
 * Bounded reading of HTTP response bodies: a hostile or broken server must not make the backend
 * buffer an unbounded amount of memory.
 */
import type { HttpResponse } from './http-transport.js';

/** The body is larger than the configured cap; the connection was cancelled at the cap. */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`response body exceeds the ${limitBytes}-byte limit (maxResponseBytes)`);
  }
}

/** Yields the body's chunks, failing with BodyTooLargeError once more than `limitBytes` arrived. */
export async function* boundedChunks(response: HttpResponse, limitBytes: number): AsyncGenerator<Buffer, void, undefined> {
  let received = 0;
  for await (const chunk of response.body) {
    received += chunk.byteLength;
    if (received > limitBytes) {
      response.cancel();
      throw new BodyTooLargeError(limitBytes);
    }
    yield chunk;
  }
}

/** The whole body as text, at most `limitBytes` of it. */
export async function readBoundedText(response: HttpResponse, limitBytes: number): Promise<string> {
  const declared = Number(response.header('content-length'));
  if (Number.isFinite(declared) && declared > limitBytes) {
    response.cancel();
    throw new BodyTooLargeError(limitBytes);
  }
  const parts: Buffer[] = [];
  for await (const chunk of boundedChunks(response, limitBytes)) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * `Retry-After` in milliseconds from now: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent, unparsable or not in the future.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const seconds = Number(trimmed);
    return seconds > 0 ? seconds * 1000 : undefined;
  }
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  const delay = at - now;
  return delay > 0 ? delay : undefined;
}

/** The first `limitBytes` of the body as text; the rest is not read (the connection is cancelled). */
export async function readTextPrefix(response: HttpResponse, limitBytes: number): Promise<string> {
  const parts: Buffer[] = [];
  let received = 0;
  for await (const chunk of response.body) {
    const room = limitBytes - received;
    const piece = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
    received += piece.byteLength;
    parts.push(piece);
    if (received >= limitBytes) {
      response.cancel();
      break;
    }
  }
  // A multi-byte character cut at the limit decodes to U+FFFD, as a streaming decoder's end would.
  return Buffer.concat(parts).toString('utf8');
}
