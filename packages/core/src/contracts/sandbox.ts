export interface SandboxRequest {
  readonly code: string;
  readonly stdin?: string;
  readonly timeoutMs: number;
  readonly memoryMb?: number;
}

export type SandboxStatus = 'ok' | 'error' | 'timeout' | 'killed' | 'memory';

export interface SandboxResult {
  readonly status: SandboxStatus;
  readonly stdout: string;
  readonly stderr: string;
  /** The Python exception type when status is `error`, e.g. `AssertionError`. */
  readonly errorType?: string;
  readonly durationMs: number;
}

/** Runs untrusted Python with no filesystem or network escape, bounded in time and memory. */
export interface Sandbox {
  readonly id: string;
  run(request: SandboxRequest, signal?: AbortSignal): Promise<SandboxResult>;
  close(): Promise<void>;
}
