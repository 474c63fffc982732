/**
 * HTTP/1.1 POSTs over node:http(s) with a keep-alive agent. The platform `fetch` costs about three
 * times the client CPU per call (WHATWG streams and header objects on every request), which is
 * what bounds throughput when hundreds of rollouts share one process.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** A response whose body has not been read yet. */
export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  header(name: string): string | undefined;
  /** The body, decompressed if the server compressed it. */
  readonly body: AsyncIterable<Buffer>;
  /** Stops reading and closes the connection (it is not reused). */
  cancel(): void;
}

/** Cancels the request bound to it (one at a time): a timeout or the caller's signal. */
export interface Cancellation {
  /** Why it was cancelled; undefined while it was not. */
  readonly reason: Error | undefined;
  /** `listener` runs on cancellation, in place of any listener bound before. */
  bind(listener: (reason: Error) => void): void;
  /** Unbinds `listener` if it is still the bound one. */
  unbind(listener: (reason: Error) => void): void;
}

/** Redirects followed (307/308 only: they keep the method and body). */
const MAX_REDIRECTS = 5;

/** An error with the socket-level code of a failed connection (ECONNREFUSED, ECONNRESET, ...). */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class HttpTransport {
  readonly #http: HttpAgent;
  readonly #https: HttpsAgent;

  constructor(connections: number) {
    // Idle connections are kept for reuse up to the concurrency bound; Nagle is off so a request's
    // headers and body go out at once.
    const options = { keepAlive: true, maxFreeSockets: Math.max(256, connections), scheduling: 'lifo' as const, noDelay: true };
    this.#http = new HttpAgent(options);
    this.#https = new HttpsAgent(options);
  }

  /**
   * POSTs `body` to `url`. The returned response's body stays bound to `cancellation`: cancelling
   * destroys the connection and fails any read in progress with the cancellation's reason.
   */
  async post(url: URL, headers: Readonly<Record<string, string>>, body: string, cancellation: Cancellation): Promise<HttpResponse> {
    let target = url;
    let sendHeaders: Record<string, string> = { ...headers };
    for (let redirects = 0; ; redirects++) {
      const response = await this.#once(target, sendHeaders, body, cancellation);
      const location = response.headers['location'];
      if ((response.statusCode === 307 || response.statusCode === 308) && location !== undefined && redirects < MAX_REDIRECTS) {
        response.destroy();
        const next = new URL(location, target);
        // Credentials never follow a redirect to another origin.
        if (next.origin !== target.origin) sendHeaders = Object.fromEntries(Object.entries(sendHeaders).filter(([name]) => name.toLowerCase() !== 'authorization'));
        target = next;
        continue;
      }
      return wrap(response);
    }
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }

  #once(url: URL, headers: Readonly<Record<string, string>>, body: string, cancellation: Cancellation): Promise<IncomingMessage> {
    return new Promise<IncomingMessage>((resolve, reject) => {
      if (cancellation.reason !== undefined) {
        reject(cancellation.reason);
        return;
      }
      const secure = url.protocol === 'https:';
      if (!secure && url.protocol !== 'http:') {
        reject(new TransportError(`unsupported protocol ${url.protocol}`, undefined));
        return;
      }
      const outgoing: OutgoingHttpHeaders = { ...headers, 'content-length': Buffer.byteLength(body), 'accept-encoding': 'gzip, deflate, br' };
      const options = { method: 'POST', host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port, path: `${url.pathname}${url.search}`, headers: outgoing };
      const req = secure ? httpsRequest({ ...options, agent: this.#https }) : httpRequest({ ...options, agent: this.#http });
      const cancel = (reason: Error): void => void req.destroy(reason);
      cancellation.bind(cancel);
      // Bound until the response is over: cancelling also stops reading the body.
      req.once('close', () => cancellation.unbind(cancel));
      req.on('error', (error: NodeJS.ErrnoException) => {
        reject(cancellation.reason ?? new TransportError(error.message, error.code, { cause: error }));
      });
      req.once('response', resolve);
      req.end(body);
    });
  }
}

function wrap(response: IncomingMessage): HttpResponse {
  // A reset before the body is read must not be an unhandled 'error': the read that follows sees it.
  response.on('error', () => undefined);
  const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  const body: AsyncIterable<Buffer> = decoder === undefined ? response : response.pipe(decoder);
  if (decoder !== undefined) response.once('error', (error) => decoder.destroy(error));
  return {
    status: response.statusCode ?? 0,
    statusText: response.statusMessage ?? '',
    header: (name) => {
      const value = response.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    body,
    cancel: () => {
      response.destroy();
      decoder?.destroy();
    },
  };
}
