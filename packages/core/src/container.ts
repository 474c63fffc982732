import 'reflect-metadata';
import { resolve } from 'node:path';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import type { BackendConfig, CoreConfig } from './config.js';
import type { LlmBackend } from './contracts/llm.js';
import type { Policy } from './contracts/policy.js';
import type { Sandbox } from './contracts/sandbox.js';
import type { Scorer } from './contracts/scorer.js';
import type { Store } from './contracts/store.js';
import type { WorkflowExecutor } from './contracts/executor.js';
import type { PolicyTrainer } from './contracts/trainer.js';
import { EventBus, type EventSink } from './events.js';
import type { PluginReport } from './plugins/discovery.js';
import type { BackendSettings, PolicyFactory, Registries } from './registry.js';
import { createRegistries } from './registry.js';
import { resolveSlot, type CanvasFactory } from './slots.js';

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
  /** The policy `policy.use` names, built once (`auto` is the application's choice: it registers or resolves it). */
  Policy: createToken<Promise<Policy>>('Policy'),
  /** A fresh policy of the configured kind per episode (templates keep per-episode state). */
  PolicyProvider: createToken<(taskType?: string) => Promise<Policy>>('PolicyProvider'),
  /** The workflow executor `executor.use` names (an explicit name; `auto` is the app's choice). */
  Executor: createToken<Promise<WorkflowExecutor>>('Executor'),
  /** A new sandbox of the kind `sandbox.use` names on every resolve; the caller closes it. */
  Sandbox: createToken<Promise<Sandbox>>('Sandbox'),
  /** The canvas factory `canvas.use` names; call it once per episode. */
  Canvas: createToken<Promise<CanvasFactory>>('Canvas'),
  Trainer: createToken<Promise<PolicyTrainer>>('Trainer'),
  /** The scorer `scorer.use` names; undefined for `auto` (each dataset's own metric). */
  Scorer: createToken<Scorer | undefined>('Scorer'),
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
  const config = options.config;
  const cwd = options.cwd ?? process.cwd();
  registerSingleton<Store>(container, Tokens.Store, () => {
    const factory = registries.stores.get(config.store.use);
    return factory({ dir: resolve(cwd, config.store.dir), options: config.store.options });
  });
  // Each backend call builds its own instance: the policy's and the executor's are never one object.
  registerSingleton(container, Tokens.PolicyBackend, async () => {
    const settings = config.policy.backend;
    return registries.backends.get(settings.backend)(backendSettingsFrom(settings));
  });
  registerSingleton(container, Tokens.ExecutorBackend, async () => {
    const { use: _use, module: _module, ...settings } = config.executor;
    return registries.backends.get(settings.backend)(backendSettingsFrom(settings));
  });
  const policyFactory = (): Promise<PolicyFactory> => resolveSlot(registries.policies, config.policy, cwd);
  registerSingleton(container, Tokens.PolicyProvider, (c) => async (taskType?: string) => {
    const factory = await policyFactory();
    return factory({ backend: () => resolveToken(c, Tokens.PolicyBackend), events, options: config.policy.options, ...(taskType === undefined ? {} : { taskType }) });
  });
  registerSingleton(container, Tokens.Policy, (c) => resolveToken(c, Tokens.PolicyProvider)());
  // Not cached: each resolve builds a new sandbox (worker pools are per user), which its caller closes.
  container.register(Tokens.Sandbox, { useFactory: async () => {
    const { use, module, options: sandboxOptions, ...limits } = config.sandbox;
    const factory = await resolveSlot(registries.sandboxes, { use, ...(module === undefined ? {} : { module }) }, cwd);
    return factory({ ...limits, options: sandboxOptions });
  } });
  registerSingleton(container, Tokens.Executor, async (c) => {
    const factory = await resolveSlot(registries.executors, config.executor, cwd);
    return factory({
      backend: () => resolveToken(c, Tokens.ExecutorBackend),
      operators: registries.operators.entries().map((e) => e.value),
      sandbox: async () => (registries.sandboxes.has(config.sandbox.use) || config.sandbox.use === 'custom' ? resolveToken(c, Tokens.Sandbox) : undefined),
      events,
      runId: 'executor',
      options: {},
    });
  });
  registerSingleton(container, Tokens.Canvas, () => resolveSlot(registries.canvases, config.canvas, cwd));
  registerSingleton(container, Tokens.Trainer, async (c) => {
    const factory = await resolveSlot(registries.trainers, config.trainer, cwd);
    return factory({ settings: { canvas: config.canvas }, events, cwd, options: config.trainer.options, canvas: () => resolveToken(c, Tokens.Canvas), executor: () => resolveToken(c, Tokens.Executor) });
  });
  registerSingleton(container, Tokens.Scorer, () => (config.scorer.use === 'auto' ? undefined : registries.scorers.get(config.scorer.use)));
  return container;
}
