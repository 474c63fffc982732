import { z } from 'zod';
import { PLUGIN_KINDS } from './api.js';

/** The `"flowsteer"` field of a plugin's package.json. */
export const PluginManifestSchema = z
  .object({
    kind: z.enum(PLUGIN_KINDS),
    apiVersion: z.number().int().positive(),
    /** Module to import, relative to the package root; defaults to the package's main export. */
    entry: z.string().min(1).optional(),
  })
  .strict();

export type PluginManifest = z.infer<typeof PluginManifestSchema>;

/** The subset of package.json discovery reads. */
export const PackageJsonSchema = z
  .object({
    name: z.string().min(1),
    version: z.string().default('0.0.0'),
    main: z.string().optional(),
    exports: z.unknown().optional(),
    flowsteer: z.unknown().optional(),
  })
  .loose();

export type PackageJson = z.infer<typeof PackageJsonSchema>;

/** Package names the host scans for: first-party scoped packages and third-party prefixes. */
export const PLUGIN_NAME_PATTERNS: readonly RegExp[] = [
  /^@flowsteer\/(operators|backends|policies|executors|canvases|trainers|sandboxes|scorers|stores|operator|backend|policy|executor|canvas|trainer|sandbox|scorer|store)-[a-z0-9][a-z0-9._-]*$/,
  /^(@[a-z0-9][a-z0-9._-]*\/)?flowsteer-(operator|backend|policy|executor|canvas|trainer|sandbox|scorer|store)-[a-z0-9][a-z0-9._-]*$/,
];

export function isPluginPackageName(name: string): boolean {
  return PLUGIN_NAME_PATTERNS.some((pattern) => pattern.test(name));
}

/** Resolves the import target of a package: manifest entry, then `exports["."]`, then `main`. */
export function resolvePackageEntry(pkg: PackageJson, manifest: PluginManifest | undefined): string {
  if (manifest?.entry !== undefined) return manifest.entry;
  const fromExports = exportTarget(pkg.exports);
  if (fromExports !== undefined) return fromExports;
  return pkg.main ?? 'index.js';
}

function exportTarget(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (typeof exports !== 'object' || exports === null || Array.isArray(exports)) return undefined;
  const record = exports as Record<string, unknown>;
  const root = Object.keys(record).some((key) => key.startsWith('.')) ? record['.'] : record;
  return conditionTarget(root);
}

function conditionTarget(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (typeof target !== 'object' || target === null || Array.isArray(target)) return undefined;
  const record = target as Record<string, unknown>;
  for (const condition of ['import', 'node', 'default']) {
    const resolved = conditionTarget(record[condition]);
    if (resolved !== undefined) return resolved;
  }
  return undefined;
}
