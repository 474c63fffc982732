import 'reflect-metadata';
import { resolve } from 'node:path';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import type { BackendConfig, CoreConfig } from './config.js';
import type { LlmBackend } from './contracts/llm.js';
import type { Policy } from './contracts/policy.js';
import type { Store } from './contracts/store.js';
import { EventBus, type EventSink } from './events.js';
import { FileStore } from './file-store.js';
import type { PluginReport } from './plugins/discovery.js';
import type { BackendSettings, Registries } from './registry.js';
import { createRegistries } from './registry.js';

/**
 * A typed DI token. tsyringe accepts symbols; the phantom type parameter lets `resolve` return
 * the right type without any decorator metadata.
 */
export type Token<T> = symbol & { readonly __tokenType?: T };

export function createToken<T>(description: string): Token<T> {
  return Symbol.for(`flowsteer.${description}`) as Token<T>;
}

/** Every binding the host provides. The two backends are separate so a training proxy sees only policy calls. */
export const Tokens = {
  Config: createToken<CoreConfig>('Config'),
  Events: createToken<EventBus>('Events'),
  EventSink: createToken<EventSink>('EventSink'),
  Registries: createToken<Registries>('Registries'),
  PluginReport: createToken<PluginReport>('PluginReport'),
  Store: createToken<Store>('Store'),
  /** The Flow-Director's LLM, lazily built from `config.policy.backend`. */
  PolicyBackend: createToken<Promise<LlmBackend>>('PolicyBackend'),
  /** The LLM that runs operators, lazily built from `config.executor`. */
  ExecutorBackend: createToken<Promise<LlmBackend>>('ExecutorBackend'),
  Policy: createToken<Promise<Policy>>('Policy'),
} as const;

export function resolveToken<T>(container: DependencyContainer, token: Token<T>): T {
  return container.resolve<T>(token);
}

export function registerValue<T>(container: DependencyContainer, token: Token<T>, value: T): void {
  container.register<T>(token, { useValue: value });
}

/** Registers a factory that runs once, on first resolve. */
export function registerSingleton<T>(container: DependencyContainer, token: Token<T>, factory: (c: DependencyContainer) => T): void {
  container.register<T>(token, { useFactory: instanceCachingFactory<T>(factory) });
}

export function backendSettingsFrom(config: BackendConfig): BackendSettings {
  const { backend: _backend, ...settings } = config;
  return settings;
}

export interface HostContainerOptions {
  readonly config: CoreConfig;
  readonly registries?: Registries;
  readonly pluginReport?: PluginReport;
  readonly events?: EventBus;
  /** Where relative `store.dir` resolves. */
  readonly cwd?: string;
}

/**
 * Builds the host's container: a child of tsyringe's root so several hosts (tests, concurrent
 * rollouts) never share bindings. Backends and the policy are created lazily from the registries.
 */
export function createHostContainer(options: HostContainerOptions): DependencyContainer {
  const container = rootContainer.createChildContainer();
  const registries = options.registries ?? createRegistries();
  const events = options.events ?? new EventBus();
  registerValue(container, Tokens.Config, options.config);
  registerValue(container, Tokens.Registries, registries);
  registerValue(container, Tokens.Events, events);
  registerValue<EventSink>(container, Tokens.EventSink, events);
  registerValue(container, Tokens.PluginReport, options.pluginReport ?? { hostApiVersion: 1, loaded: [], skipped: [] });
  registerSingleton<Store>(container, Tokens.Store, () => {
    const dir = options.config.store.dir;
    return new FileStore(resolve(options.cwd ?? process.cwd(), dir));
  });
  registerSingleton(container, Tokens.PolicyBackend, async () => {
    const settings = options.config.policy.backend;
    return registries.backends.get(settings.backend)(backendSettingsFrom(settings));
  });
  registerSingleton(container, Tokens.ExecutorBackend, async () => {
    const settings = options.config.executor;
    return registries.backends.get(settings.backend)(backendSettingsFrom(settings));
  });
  registerSingleton(container, Tokens.Policy, async (c) => {
    const factory = registries.policies.get(options.config.policy.use);
    return factory({ backend: () => resolveToken(c, Tokens.PolicyBackend), events, options: {} });
  });
  return container;
}
