import type { DependencyContainer } from 'tsyringe';
import type { z } from 'zod';
import { loadConfig, type ConfigResult, type LoadConfigOptions } from './config.js';
import { createHostContainer } from './container.js';
import { EventBus } from './events.js';
import { discoverPlugins, loadPlugins, type PluginReport } from './plugins/discovery.js';
import { createRegistries, type Registries } from './registry.js';

export interface Host<S extends Record<string, z.ZodType>> {
  readonly container: DependencyContainer;
  readonly config: ConfigResult<S>;
  readonly registries: Registries;
  readonly plugins: PluginReport;
  readonly events: EventBus;
  /** The project directory: relative paths in config (`<slot>.module`, `store.dir`) resolve here. */
  readonly cwd: string;
}

/**
 * Boots a host the way the CLI does: load and validate config, discover and load plugins
 * (broken ones are skipped and reported), then build the container.
 */
export interface BootOptions<S extends Record<string, z.ZodType>> extends LoadConfigOptions<S> {
  readonly events?: EventBus;
  readonly pluginRoots?: readonly string[];
  /**
   * The application's own implementations, registered before any plugin loads and through the
   * same registries, so they take part in precedence like first-party plugins.
   */
  readonly builtins?: (registries: Registries) => void;
  /** Where config warnings go (unknown `FLOWSTEER_*` variables); they are also on `config.warnings`. */
  readonly onWarning?: (message: string) => void;
}

export async function bootHost<S extends Record<string, z.ZodType> = Record<never, z.ZodType>>(options: BootOptions<S>): Promise<Host<S>> {
  const config = await loadConfig(options);
  for (const warning of config.warnings) options.onWarning?.(warning);
  const events = options.events ?? new EventBus();
  const registries = createRegistries();
  options.builtins?.(registries);
  const candidates = await discoverPlugins({
    cwd: options.cwd,
    paths: config.config.plugins.paths,
    scanNodeModules: config.config.plugins.scanNodeModules,
    extraRoots: options.pluginRoots ?? [],
  });
  const plugins = await loadPlugins(candidates, {
    registries,
    disabled: config.config.plugins.disabled,
    override: config.config.plugins.override,
    timeoutMs: config.config.plugins.loadTimeoutMs,
    pluginOptions: config.config.plugins.options,
    cwd: options.cwd,
    events,
  });
  const container = createHostContainer({ config: config.config, registries, pluginReport: plugins, events, cwd: options.cwd });
  return { container, config, registries, plugins, events, cwd: options.cwd };
}
