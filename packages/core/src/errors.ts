/**
 * Typed errors. Every error the framework raises on purpose is a FlowSteerError with a stable
 * machine-readable `code`, so callers (the CLI, the TUI, trainers) can branch without parsing text.
 */
export type FlowSteerErrorCode =
  | 'CONFIG_INVALID'
  | 'PLUGIN_LOAD_FAILED'
  | 'PLUGIN_INCOMPATIBLE'
  | 'REGISTRY_CONFLICT'
  | 'NOT_FOUND'
  | 'POLICY_OUTPUT_INVALID'
  | 'ACTION_REJECTED'
  | 'BACKEND_FAILED'
  | 'SANDBOX_FAILED'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'STORE_FAILED'
  | 'VALIDATION_FAILED';

export interface FlowSteerErrorOptions {
  readonly cause?: unknown;
  /** Structured context for logs and `--json` output; must be JSON-serialisable. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class FlowSteerError extends Error {
  readonly code: FlowSteerErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: FlowSteerErrorCode, message: string, options: FlowSteerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
  }

  toJSON(): { name: string; code: FlowSteerErrorCode; message: string; details: Readonly<Record<string, unknown>> } {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/** A configuration value is missing, malformed or unknown. `key` is the dotted path, e.g. `executor.timeoutMs`. */
export class ConfigError extends FlowSteerError {
  readonly key: string;
  readonly source: string | undefined;

  constructor(key: string, message: string, options: FlowSteerErrorOptions & { source?: string } = {}) {
    const where = options.source === undefined ? '' : ` (from ${options.source})`;
    super('CONFIG_INVALID', `config key "${key}"${where}: ${message}`, {
      ...options,
      details: { ...options.details, key, source: options.source },
    });
    this.key = key;
    this.source = options.source;
  }
}

/** A plugin could not be imported, had a bad shape, or threw while registering. */
export class PluginLoadError extends FlowSteerError {
  readonly plugin: string;
  constructor(plugin: string, message: string, options: FlowSteerErrorOptions = {}) {
    super('PLUGIN_LOAD_FAILED', `plugin ${plugin}: ${message}`, { ...options, details: { ...options.details, plugin } });
    this.plugin = plugin;
  }
}

/** A plugin targets a plugin API version this host does not implement. */
export class PluginIncompatibleError extends FlowSteerError {
  readonly plugin: string;
  constructor(plugin: string, message: string, options: FlowSteerErrorOptions = {}) {
    super('PLUGIN_INCOMPATIBLE', `plugin ${plugin}: ${message}`, { ...options, details: { ...options.details, plugin } });
    this.plugin = plugin;
  }
}

/** Two providers claimed the same name in a registry. */
export class RegistryConflictError extends FlowSteerError {
  constructor(kind: string, name: string, existingProvider: string) {
    super('REGISTRY_CONFLICT', `${kind} "${name}" is already provided by ${existingProvider}`, {
      details: { kind, name, existingProvider },
    });
  }
}

/** A named thing (operator, backend, policy, stored record) does not exist. */
export class NotFoundError extends FlowSteerError {
  constructor(kind: string, name: string, known: readonly string[] = []) {
    const hint = known.length > 0 ? `; known: ${known.join(', ')}` : '';
    super('NOT_FOUND', `unknown ${kind} "${name}"${hint}`, { details: { kind, name, known } });
  }
}

/** The policy produced text that could not be turned into an action. Carries the raw text so nothing is lost. */
export class PolicyOutputError extends FlowSteerError {
  readonly rawText: string;
  constructor(message: string, rawText: string, options: FlowSteerErrorOptions = {}) {
    super('POLICY_OUTPUT_INVALID', message, { ...options, details: { ...options.details, rawText } });
    this.rawText = rawText;
  }
}

/** An LLM backend failed after its retries (HTTP error, malformed response, dead server). */
export class BackendError extends FlowSteerError {
  readonly backend: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
  constructor(
    backend: string,
    message: string,
    options: FlowSteerErrorOptions & { status?: number; retryable?: boolean } = {},
  ) {
    super('BACKEND_FAILED', `backend ${backend}: ${message}`, {
      ...options,
      details: { ...options.details, backend, status: options.status },
    });
    this.backend = backend;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
  }
}

export class SandboxError extends FlowSteerError {
  constructor(message: string, options: FlowSteerErrorOptions = {}) {
    super('SANDBOX_FAILED', message, options);
  }
}

export class TimeoutError extends FlowSteerError {
  readonly timeoutMs: number;
  constructor(what: string, timeoutMs: number, options: FlowSteerErrorOptions = {}) {
    super('TIMEOUT', `${what} timed out after ${timeoutMs} ms`, { ...options, details: { ...options.details, timeoutMs } });
    this.timeoutMs = timeoutMs;
  }
}

export class AbortError extends FlowSteerError {
  constructor(what: string, options: FlowSteerErrorOptions = {}) {
    super('ABORTED', `${what} was aborted`, options);
  }
}

export class StoreError extends FlowSteerError {
  constructor(message: string, options: FlowSteerErrorOptions = {}) {
    super('STORE_FAILED', message, options);
  }
}

/** Input or output of an operator, policy or record did not match its schema. */
export class ValidationError extends FlowSteerError {
  readonly issues: readonly string[];
  constructor(what: string, issues: readonly string[], options: FlowSteerErrorOptions = {}) {
    super('VALIDATION_FAILED', `${what} is invalid: ${issues.join('; ')}`, {
      ...options,
      details: { ...options.details, issues },
    });
    this.issues = issues;
  }
}

export function isFlowSteerError(value: unknown): value is FlowSteerError {
  return value instanceof FlowSteerError;
}

/** A short, single-line description of any thrown value, for reports and skip reasons. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** Throws an AbortError if the signal has fired; call at cancellation points in long work. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) throw new AbortError(what, { cause: signal.reason });
}
