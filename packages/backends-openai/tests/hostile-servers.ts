import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** What a hostile handler sees: the parsed request body and when it arrived. */
export interface HostileRequest {
  readonly body: Record<string, unknown>;
  readonly at: number;
}

export type HostileHandler = (request: HostileRequest, res: ServerResponse, index: number) => void | Promise<void>;

/** A real HTTP server on loopback whose handler misbehaves on purpose. */
export class HostileServer {
  readonly requests: HostileRequest[] = [];
  /** Bytes written to clients, per request. */
  readonly bytesWritten: number[] = [];
  readonly closedEarly: boolean[] = [];

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(handler: HostileHandler): Promise<HostileServer> {
    let instance: HostileServer | undefined;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const self = instance as HostileServer;
        const index = self.requests.length;
        const request = { body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>, at: Date.now() };
        self.requests.push(request);
        self.bytesWritten[index] = 0;
        self.closedEarly[index] = false;
        const write = res.write.bind(res);
        res.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
          self.bytesWritten[index] = (self.bytesWritten[index] ?? 0) + Buffer.byteLength(chunk);
          return write(chunk, ...rest);
        }) as typeof res.write;
        res.on('close', () => {
          if (!res.writableFinished) self.closedEarly[index] = true;
        });
        void Promise.resolve(handler(request, res, index)).catch(() => res.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    instance = new HostileServer(server, `http://127.0.0.1:${port}/v1`);
    return instance;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

export function sseEvent(json: unknown): string {
  return `data: ${JSON.stringify(json)}\n\n`;
}

export function deltaEvent(content: string, extra: Record<string, unknown> = {}): string {
  return sseEvent({ model: 'hostile', choices: [{ index: 0, delta: { content }, finish_reason: null, ...extra }] });
}

/** Writes and waits for the socket to drain, so a closed client stops the writer. */
export async function writeWithBackpressure(res: ServerResponse, chunk: string | Buffer): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  return new Promise((resolve) => {
    const onDrain = (): void => {
      res.off('close', onClose);
      resolve(true);
    };
    const onClose = (): void => {
      res.off('drain', onDrain);
      resolve(false);
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}
