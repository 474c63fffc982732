import { createRequire } from 'node:module';
import type { Operator } from '../contracts/operator.js';
import type { Scorer } from '../contracts/scorer.js';
import type { BackendFactory, PolicyFactory, SandboxFactory } from '../registry.js';
import type { CanvasFactory, ExecutorFactory, StoreFactory, TrainerFactory } from '../slots.js';

/** The plugin API version this host implements. A plugin built for another version is skipped. */
export const PLUGIN_API_VERSION = 1;

/** What a plugin package mainly provides (its manifest's `kind`); any plugin may register any kind. */
export const PLUGIN_KINDS = ['operator', 'backend', 'policy', 'executor', 'canvas', 'trainer', 'sandbox', 'scorer', 'store'] as const;

export type PluginKind = (typeof PLUGIN_KINDS)[number];

export interface PluginMeta {
  readonly name: string;
  readonly version: string;
  readonly apiVersion: number;
}

/**
 * What a plugin's `register` receives. Contributions become visible only if `register` succeeds,
 * and each is checked against its kind's schema at load: a malformed one is dropped with its
 * reason in the plugin report. Plugins are trusted code running in the host process.
 */
export interface PluginApi {
  readonly hostApiVersion: number;
  /** This plugin's own settings: `plugins.options["<package name>"]` from config, `{}` when unset. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The directory config and relative paths are resolved against (the project root). */
  readonly cwd: string;
  registerOperator(operator: Operator): void;
  registerBackend(name: string, factory: BackendFactory): void;
  registerPolicy(name: string, factory: PolicyFactory): void;
  registerScorer(scorer: Scorer): void;
  registerSandbox(name: string, factory: SandboxFactory): void;
  registerExecutor(name: string, factory: ExecutorFactory): void;
  registerCanvas(name: string, factory: CanvasFactory): void;
  registerTrainer(name: string, factory: TrainerFactory): void;
  registerStore(name: string, factory: StoreFactory): void;
}

/** A plugin module's default export: this object, or a (possibly async) function returning it. */
export interface FlowSteerPlugin {
  readonly meta: PluginMeta;
  register(api: PluginApi): void | Promise<void>;
}

export type PluginModuleDefault = FlowSteerPlugin | (() => FlowSteerPlugin | Promise<FlowSteerPlugin>);

/** Identity helper that gives plugin authors type checking without importing anything at run time. */
export function definePlugin(plugin: FlowSteerPlugin): FlowSteerPlugin {
  return plugin;
}

/**
 * Reads a plugin's `meta` from its own package.json, so name and version never drift from what
 * npm installed. Pass `import.meta.url` of a module one directory below the package root.
 */
export function pluginMetaFrom(moduleUrl: string, relativePackageJson = '../package.json'): PluginMeta {
  const require = createRequire(moduleUrl);
  const pkg = require(relativePackageJson) as { name: string; version: string; flowsteer?: { apiVersion?: number } };
  return { name: pkg.name, version: pkg.version, apiVersion: pkg.flowsteer?.apiVersion ?? PLUGIN_API_VERSION };
}
