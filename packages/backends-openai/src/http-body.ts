/**
 * Bounded reading of HTTP response bodies: a hostile or broken server must not make the backend
 * buffer an unbounded amount of memory.
 */

/** The body is larger than the configured cap; the connection was cancelled at the cap. */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`response body exceeds the ${limitBytes}-byte limit (maxResponseBytes)`);
  }
}

/** Yields the body's chunks, failing with BodyTooLargeError once more than `limitBytes` arrived. */
export async function* boundedChunks(body: ReadableStream<Uint8Array>, limitBytes: number): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = body.getReader();
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      received += value.byteLength;
      if (received > limitBytes) {
        await reader.cancel().catch(() => undefined);
        throw new BodyTooLargeError(limitBytes);
      }
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** The whole body as text, at most `limitBytes` of it. */
export async function readBoundedText(response: Response, limitBytes: number): Promise<string> {
  if (response.body === null) return '';
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limitBytes) {
    await response.body.cancel().catch(() => undefined);
    throw new BodyTooLargeError(limitBytes);
  }
  const decoder = new TextDecoder();
  const parts: string[] = [];
  for await (const chunk of boundedChunks(response.body, limitBytes)) parts.push(decoder.decode(chunk, { stream: true }));
  parts.push(decoder.decode());
  return parts.join('');
}

/**
 * `Retry-After` in milliseconds from now: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent, unparsable or not in the future.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
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
export async function readTextPrefix(response: Response, limitBytes: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let received = 0;
  try {
    while (received < limitBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = limitBytes - received;
      const piece = value.byteLength > room ? value.subarray(0, room) : value;
      received += piece.byteLength;
      parts.push(decoder.decode(piece, { stream: true }));
    }
    if (received >= limitBytes) await reader.cancel().catch(() => undefined);
  } finally {
    reader.releaseLock();
  }
  parts.push(decoder.decode());
  return parts.join('');
}
