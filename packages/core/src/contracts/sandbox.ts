export interface SandboxRequest {
  readonly code: string;
  readonly stdin?: string;
  readonly timeoutMs: number;
  readonly memoryMb?: number;
}

/**
 * The verdict of a test suite, computed by the sandbox's own harness inside the isolation and
 * delivered on a channel the program cannot write (see `@flowsteer/operators-code`).
 */
export interface SandboxTestOutcome {
  readonly passed: boolean;
  readonly total: number;
  readonly failed: number;
  readonly errorType?: string;
  readonly error?: string;
}

export type SandboxStatus = 'ok' | 'error' | 'timeout' | 'killed' | 'memory';

export interface SandboxResult {
  readonly status: SandboxStatus;
  readonly stdout: string;
  readonly stderr: string;
  /** The Python exception type when status is `error`, e.g. `AssertionError`. */
  readonly errorType?: string;
  readonly durationMs: number;
  /** Present only when the program was a test suite and the sandbox could authenticate its verdict. */
  readonly tests?: SandboxTestOutcome;
}

/** Runs untrusted Python with no filesystem or network escape, bounded in time and memory. */
export interface Sandbox {
  readonly id: string;
  run(request: SandboxRequest, signal?: AbortSignal): Promise<SandboxResult>;
  close(): Promise<void>;
}
