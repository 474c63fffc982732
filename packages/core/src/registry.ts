import type { LlmBackend } from './contracts/llm.js';
import type { Operator } from './contracts/operator.js';
import type { Policy } from './contracts/policy.js';
import type { Sandbox } from './contracts/sandbox.js';
import type { Scorer } from './contracts/scorer.js';
import { NotFoundError, RegistryConflictError } from './errors.js';
import type { EventSink } from './events.js';
import { FileStore } from './file-store.js';
import type { CanvasFactory, ExecutorFactory, StoreFactory, TrainerFactory } from './slots.js';

/** Providers whose contributions win name clashes unless config lets a plugin override them. */
export const FIRST_PARTY_PREFIX = '@flowsteer/';

export function isFirstPartyProvider(provider: string | undefined): boolean {
  return provider !== undefined && provider.startsWith(FIRST_PARTY_PREFIX);
}

/** A name → value map that remembers who provided each entry and refuses silent overrides. */
export class Registry<T> {
  readonly kind: string;
  readonly #entries = new Map<string, { value: T; provider: string }>();

  constructor(kind: string) {
    this.kind = kind;
  }

  register(name: string, value: T, provider: string): void {
    const existing = this.#entries.get(name);
    if (existing !== undefined) throw new RegistryConflictError(this.kind, name, existing.provider);
    this.#entries.set(name, { value, provider });
  }

  /** Puts `value` in place of an existing entry; only for an explicit, configured override. */
  replace(name: string, value: T, provider: string): void {
    this.#entries.set(name, { value, provider });
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  get(name: string): T {
    const entry = this.#entries.get(name);
    if (entry === undefined) throw new NotFoundError(this.kind, name, this.names());
    return entry.value;
  }

  tryGet(name: string): T | undefined {
    return this.#entries.get(name)?.value;
  }

  providerOf(name: string): string | undefined {
    return this.#entries.get(name)?.provider;
  }

  names(): string[] {
    return [...this.#entries.keys()].sort();
  }

  entries(): Array<{ name: string; value: T; provider: string }> {
    return this.names().map((name) => {
      const entry = this.#entries.get(name);
      if (entry === undefined) throw new NotFoundError(this.kind, name);
      return { name, ...entry };
    });
  }
}

/** Settings handed to a backend factory; each backend documents which keys it reads. */
export interface BackendSettings {
  readonly model?: string;
  readonly baseUrl?: string;
  readonly apiKey?: string;
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly timeoutMs?: number;
  readonly maxRetries?: number;
  readonly concurrency?: number;
  readonly options?: Readonly<Record<string, unknown>>;
}

export type BackendFactory = (settings: BackendSettings) => LlmBackend | Promise<LlmBackend>;

export interface PolicyFactoryContext {
  /** The policy's own LLM backend, resolved lazily so non-LLM policies never open a connection. */
  readonly backend: () => Promise<LlmBackend>;
  readonly events: EventSink;
  /** `policy.options` from config. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The task type the policy will face, for policies that differ by type (templates). */
  readonly taskType?: string;
}

export type PolicyFactory = (context: PolicyFactoryContext) => Policy | Promise<Policy>;

export interface SandboxSettings {
  readonly timeoutMs?: number;
  readonly memoryMb?: number;
  readonly workers?: number;
  readonly options?: Readonly<Record<string, unknown>>;
}

export type SandboxFactory = (settings: SandboxSettings) => Sandbox | Promise<Sandbox>;

/** Everything plugins can contribute, one registry per kind. */
export interface Registries {
  readonly operators: Registry<Operator>;
  readonly backends: Registry<BackendFactory>;
  readonly policies: Registry<PolicyFactory>;
  readonly scorers: Registry<Scorer>;
  readonly sandboxes: Registry<SandboxFactory>;
  readonly executors: Registry<ExecutorFactory>;
  readonly canvases: Registry<CanvasFactory>;
  readonly trainers: Registry<TrainerFactory>;
  readonly stores: Registry<StoreFactory>;
}

/** Fresh registries holding core's own built-in: the `file` store. */
export function createRegistries(): Registries {
  const registries: Registries = {
    operators: new Registry<Operator>('operator'),
    backends: new Registry<BackendFactory>('backend'),
    policies: new Registry<PolicyFactory>('policy'),
    scorers: new Registry<Scorer>('scorer'),
    sandboxes: new Registry<SandboxFactory>('sandbox'),
    executors: new Registry<ExecutorFactory>('executor'),
    canvases: new Registry<CanvasFactory>('canvas'),
    trainers: new Registry<TrainerFactory>('trainer'),
    stores: new Registry<StoreFactory>('store'),
  };
  registries.stores.register('file', (settings) => new FileStore(settings.dir), '@flowsteer/core');
  return registries;
}
