import { fileURLToPath } from 'node:url';
import { createRegistries, discoverPlugins, loadPlugins, type LoadedPlugin, type Registries } from '@flowsteer/core';

export interface LoadedForTest {
  readonly plugin: LoadedPlugin;
  readonly registries: Registries;
}

/** A directory given as a path or a `file:` URL (e.g. `new URL('..', import.meta.url)`). */
export function toPath(dir: string | URL): string {
  return typeof dir === 'string' ? dir : fileURLToPath(dir);
}

/**
 * Loads one plugin package exactly as the host does: its package.json manifest, its entry module,
 * its `register`. Throws with the host's reason when the host would skip it or drop any of its
 * contributions (malformed, or clashing).
 */
export async function loadPluginPackage(packageDir: string | URL, options: { readonly pluginOptions?: Readonly<Record<string, unknown>>; readonly cwd?: string } = {}): Promise<LoadedForTest> {
  const path = toPath(packageDir);
  const candidates = await discoverPlugins({ cwd: path, paths: [path], scanNodeModules: false });
  const registries = createRegistries();
  const name = candidates[0]?.name ?? path;
  const report = await loadPlugins(candidates, {
    registries,
    cwd: options.cwd ?? path,
    ...(options.pluginOptions === undefined ? {} : { pluginOptions: { [name]: options.pluginOptions } }),
  });
  const skipped = report.skipped[0];
  if (skipped !== undefined) throw new Error(`the host would skip ${skipped.name} (${skipped.code}): ${skipped.reason}`);
  const plugin = report.loaded[0];
  if (plugin === undefined) throw new Error(`no plugin found in ${path}`);
  const dropped = plugin.rejected[0];
  if (dropped !== undefined) throw new Error(`the host would drop ${dropped.kind} "${dropped.name}" of ${plugin.name}: ${dropped.reason}`);
  return { plugin, registries };
}
