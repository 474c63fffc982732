import { createRequire } from 'node:module';
import type { Operator } from '../contracts/operator.js';
import type { Scorer } from '../contracts/scorer.js';
import type { BackendFactory, PolicyFactory, SandboxFactory } from '../registry.js';

/** The plugin API version this host implements. A plugin built for another version is skipped. */
export const PLUGIN_API_VERSION = 1;

export type PluginKind = 'operator' | 'backend' | 'policy';

export interface PluginMeta {
  readonly name: string;
  readonly version: string;
  readonly apiVersion: number;
}

/** What a plugin's `register` receives. Contributions become visible only if `register` succeeds. */
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
