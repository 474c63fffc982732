import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { describeError } from '../errors.js';
import type { EventSink } from '../events.js';
import { NULL_EVENT_SINK } from '../events.js';
import type { Registries } from '../registry.js';
import type { FlowSteerPlugin, PluginApi, PluginKind } from './api.js';
import { PLUGIN_API_VERSION } from './api.js';
import {
  PackageJsonSchema,
  PluginManifestSchema,
  isPluginPackageName,
  resolvePackageEntry,
  type PackageJson,
  type PluginManifest,
} from './manifest.js';

/** A package or file that looks like a plugin and will be attempted. */
export interface PluginCandidate {
  readonly name: string;
  readonly version: string;
  /** Package directory, or the module file for explicit file paths. */
  readonly path: string;
  readonly source: 'node_modules' | 'config';
  readonly manifest?: PluginManifest;
  readonly entryPath?: string;
  /** Set when the candidate is already known to be unusable (bad manifest, unreadable package). */
  readonly problem?: { readonly code: SkipCode; readonly reason: string };
}

export type SkipCode =
  | 'NO_MANIFEST'
  | 'BAD_MANIFEST'
  | 'BAD_PACKAGE'
  | 'INCOMPATIBLE_API'
  | 'IMPORT_FAILED'
  | 'BAD_EXPORT'
  | 'REGISTER_FAILED'
  | 'TIMEOUT'
  | 'CONFLICT'
  | 'DISABLED'
  | 'DUPLICATE';

export interface PluginContributions {
  readonly operators: readonly string[];
  readonly backends: readonly string[];
  readonly policies: readonly string[];
  readonly scorers: readonly string[];
  readonly sandboxes: readonly string[];
}

export interface LoadedPlugin {
  readonly name: string;
  readonly version: string;
  readonly kind: PluginKind;
  readonly apiVersion: number;
  readonly path: string;
  readonly source: PluginCandidate['source'];
  readonly provides: PluginContributions;
}

export interface SkippedPlugin {
  readonly name: string;
  readonly version: string;
  readonly path: string;
  readonly source: PluginCandidate['source'];
  readonly code: SkipCode;
  readonly reason: string;
}

export interface PluginReport {
  readonly hostApiVersion: number;
  readonly loaded: readonly LoadedPlugin[];
  readonly skipped: readonly SkippedPlugin[];
}

export interface DiscoverOptions {
  /** Where node_modules lookup starts; every ancestor's node_modules is scanned, nearest first. */
  readonly cwd: string;
  /** Explicit plugin packages or module files (relative paths resolve against `cwd`). */
  readonly paths?: readonly string[];
  /** Skip node_modules scanning and use only `paths`. */
  readonly scanNodeModules?: boolean;
  /** More starting points scanned after `cwd`, e.g. the host application's own install location. */
  readonly extraRoots?: readonly string[];
}

export interface LoadOptions {
  readonly registries: Registries;
  readonly disabled?: readonly string[];
  /** Bound on import + register of one plugin, so a hung top-level await cannot hang the host. */
  readonly timeoutMs?: number;
  readonly events?: EventSink;
  readonly runId?: string;
  /** Per-plugin settings keyed by plugin name, handed to that plugin's `register` as `api.options`. */
  readonly pluginOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Resolution base handed to plugins as `api.cwd`; defaults to the process's working directory. */
  readonly cwd?: string;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function nodeModulesChain(cwd: string): string[] {
  const dirs: string[] = [];
  let current = resolve(cwd);
  for (;;) {
    dirs.push(join(current, 'node_modules'));
    const parent = dirname(current);
    if (parent === current) return dirs;
    current = parent;
  }
}

async function packageDirsIn(nodeModules: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(nodeModules);
  } catch {
    return [];
  }
  const dirs: string[] = [];
  for (const entry of entries.sort()) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      let scoped: string[];
      try {
        scoped = await readdir(join(nodeModules, entry));
      } catch {
        continue;
      }
      for (const inner of scoped.sort()) {
        if (isPluginPackageName(`${entry}/${inner}`)) dirs.push(join(nodeModules, entry, inner));
      }
    } else if (isPluginPackageName(entry)) {
      dirs.push(join(nodeModules, entry));
    }
  }
  return dirs;
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

async function readPackageCandidate(dir: string, source: PluginCandidate['source']): Promise<PluginCandidate> {
  const fallbackName = dir.split(/[\\/]node_modules[\\/]/).pop() ?? dir;
  let pkg: PackageJson;
  try {
    const parsed = PackageJsonSchema.safeParse(JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')));
    if (!parsed.success) {
      return { name: fallbackName, version: '0.0.0', path: dir, source, problem: { code: 'BAD_PACKAGE', reason: `package.json is invalid: ${formatIssues(parsed.error)}` } };
    }
    pkg = parsed.data;
  } catch (error) {
    return { name: fallbackName, version: '0.0.0', path: dir, source, problem: { code: 'BAD_PACKAGE', reason: `cannot read package.json: ${describeError(error)}` } };
  }
  const base = { name: pkg.name, version: pkg.version, path: dir, source };
  if (pkg.flowsteer === undefined) {
    return { ...base, problem: { code: 'NO_MANIFEST', reason: 'package.json has no "flowsteer" manifest field ({"kind", "apiVersion"})' } };
  }
  const manifest = PluginManifestSchema.safeParse(pkg.flowsteer);
  if (!manifest.success) {
    return { ...base, problem: { code: 'BAD_MANIFEST', reason: `invalid "flowsteer" manifest: ${formatIssues(manifest.error)}` } };
  }
  const entry = resolvePackageEntry(pkg, manifest.data);
  const entryPath = resolve(dir, entry);
  if (relative(dir, entryPath).startsWith('..')) {
    return { ...base, manifest: manifest.data, problem: { code: 'BAD_MANIFEST', reason: `entry "${entry}" points outside the package` } };
  }
  return { ...base, manifest: manifest.data, entryPath };
}

/**
 * Finds plugin candidates: packages named like plugins in every node_modules from `cwd` up
 * (nearest copy of a name wins, as in Node resolution), then explicit paths from config.
 * Finding is separate from loading so `plugins list` can report packages that fail to load.
 */
export async function discoverPlugins(options: DiscoverOptions): Promise<PluginCandidate[]> {
  const candidates: PluginCandidate[] = [];
  const seenNames = new Set<string>();
  if (options.scanNodeModules !== false) {
    const chains = [options.cwd, ...(options.extraRoots ?? [])].flatMap(nodeModulesChain);
    for (const nodeModules of [...new Set(chains)]) {
      for (const dir of await packageDirsIn(nodeModules)) {
        if (!(await isDirectory(dir))) continue;
        const candidate = await readPackageCandidate(await realpath(dir), 'node_modules');
        if (seenNames.has(candidate.name)) continue;
        seenNames.add(candidate.name);
        candidates.push(candidate);
      }
    }
  }
  for (const rawPath of options.paths ?? []) {
    const path = isAbsolute(rawPath) ? rawPath : resolve(options.cwd, rawPath);
    if (await isDirectory(path)) {
      candidates.push(await readPackageCandidate(path, 'config'));
    } else {
      // A bare module file: name and version come from its meta once imported.
      candidates.push({ name: path, version: '0.0.0', path, source: 'config', entryPath: path });
    }
  }
  return candidates;
}

const PluginShape = z.object({
  meta: z.object({
    name: z.string().min(1),
    version: z.string().min(1),
    apiVersion: z.number().int(),
    kind: z.enum(['operator', 'backend', 'policy']).optional(),
  }),
  register: z.custom<FlowSteerPlugin['register']>((value) => typeof value === 'function', 'register must be a function'),
});

class PluginTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PluginTimeout(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface Staged {
  readonly operators: Array<Parameters<PluginApi['registerOperator']>[0]>;
  readonly backends: Array<[string, Parameters<PluginApi['registerBackend']>[1]]>;
  readonly policies: Array<[string, Parameters<PluginApi['registerPolicy']>[1]]>;
  readonly scorers: Array<Parameters<PluginApi['registerScorer']>[0]>;
  readonly sandboxes: Array<[string, Parameters<PluginApi['registerSandbox']>[1]]>;
}

function stagingApi(staged: Staged, options: Readonly<Record<string, unknown>>, cwd: string): PluginApi {
  return {
    hostApiVersion: PLUGIN_API_VERSION,
    options,
    cwd,
    registerOperator: (operator) => void staged.operators.push(operator),
    registerBackend: (name, factory) => void staged.backends.push([name, factory]),
    registerPolicy: (name, factory) => void staged.policies.push([name, factory]),
    registerScorer: (scorer) => void staged.scorers.push(scorer),
    registerSandbox: (name, factory) => void staged.sandboxes.push([name, factory]),
  };
}

/** Names that would collide with what is already registered or with each other; empty when clean. */
function conflictsOf(staged: Staged, registries: Registries): string[] {
  const conflicts: string[] = [];
  const check = (kind: string, names: string[], has: (name: string) => boolean, providerOf: (name: string) => string | undefined): void => {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) conflicts.push(`${kind} "${name}" is registered twice by this plugin`);
      else if (has(name)) conflicts.push(`${kind} "${name}" is already provided by ${providerOf(name) ?? 'another plugin'}`);
      seen.add(name);
    }
  };
  const r = registries;
  check('operator', staged.operators.map((o) => o.name), (n) => r.operators.has(n), (n) => r.operators.providerOf(n));
  check('backend', staged.backends.map(([n]) => n), (n) => r.backends.has(n), (n) => r.backends.providerOf(n));
  check('policy', staged.policies.map(([n]) => n), (n) => r.policies.has(n), (n) => r.policies.providerOf(n));
  check('scorer', staged.scorers.map((s) => s.metric), (n) => r.scorers.has(n), (n) => r.scorers.providerOf(n));
  check('sandbox', staged.sandboxes.map(([n]) => n), (n) => r.sandboxes.has(n), (n) => r.sandboxes.providerOf(n));
  return conflicts;
}

function commit(staged: Staged, registries: Registries, provider: string): PluginContributions {
  for (const operator of staged.operators) registries.operators.register(operator.name, operator, provider);
  for (const [name, factory] of staged.backends) registries.backends.register(name, factory, provider);
  for (const [name, factory] of staged.policies) registries.policies.register(name, factory, provider);
  for (const scorer of staged.scorers) registries.scorers.register(scorer.metric, scorer, provider);
  for (const [name, factory] of staged.sandboxes) registries.sandboxes.register(name, factory, provider);
  return {
    operators: staged.operators.map((o) => o.name),
    backends: staged.backends.map(([n]) => n),
    policies: staged.policies.map(([n]) => n),
    scorers: staged.scorers.map((s) => s.metric),
    sandboxes: staged.sandboxes.map(([n]) => n),
  };
}

type Outcome = { ok: true; plugin: LoadedPlugin } | { ok: false; skip: SkippedPlugin };

async function loadOne(candidate: PluginCandidate, options: LoadOptions, loadedNames: ReadonlySet<string>): Promise<Outcome> {
  const skip = (code: SkipCode, reason: string, name = candidate.name, version = candidate.version): Outcome => ({
    ok: false,
    skip: { name, version, path: candidate.path, source: candidate.source, code, reason },
  });
  if (candidate.problem !== undefined) return skip(candidate.problem.code, candidate.problem.reason);
  if (candidate.manifest !== undefined && candidate.manifest.apiVersion !== PLUGIN_API_VERSION) {
    return skip('INCOMPATIBLE_API', `targets plugin API v${candidate.manifest.apiVersion}; this host supports v${PLUGIN_API_VERSION}`);
  }
  if (candidate.entryPath === undefined) return skip('BAD_PACKAGE', 'no entry module');
  const timeoutMs = options.timeoutMs ?? 10_000;

  let moduleNamespace: unknown;
  try {
    moduleNamespace = await withTimeout(import(pathToFileURL(candidate.entryPath).href) as Promise<unknown>, timeoutMs, 'import');
  } catch (error) {
    if (error instanceof PluginTimeout) return skip('TIMEOUT', error.message);
    return skip('IMPORT_FAILED', `import of ${candidate.entryPath} failed: ${describeError(error)}`);
  }

  let exported = (moduleNamespace as { default?: unknown }).default;
  try {
    if (typeof exported === 'function') exported = await withTimeout(Promise.resolve((exported as () => unknown)()), timeoutMs, 'plugin factory');
  } catch (error) {
    if (error instanceof PluginTimeout) return skip('TIMEOUT', error.message);
    return skip('BAD_EXPORT', `plugin factory threw: ${describeError(error)}`);
  }
  const shape = PluginShape.safeParse(exported);
  if (!shape.success) {
    return skip('BAD_EXPORT', `default export must be { meta: { name, version, apiVersion }, register(api) } or a function returning it: ${formatIssues(shape.error)}`);
  }
  const { meta, register } = shape.data;
  const name = candidate.source === 'config' && candidate.manifest === undefined ? meta.name : candidate.name;
  const version = candidate.manifest === undefined ? meta.version : candidate.version;
  if (meta.apiVersion !== PLUGIN_API_VERSION) {
    return skip('INCOMPATIBLE_API', `plugin meta targets API v${meta.apiVersion}; this host supports v${PLUGIN_API_VERSION}`, name, version);
  }
  if (candidate.manifest !== undefined && meta.name !== candidate.name) {
    return skip('BAD_EXPORT', `meta.name "${meta.name}" does not match package name "${candidate.name}"`, name, version);
  }
  if ((options.disabled ?? []).includes(name)) return skip('DISABLED', 'disabled in config (plugins.disabled)', name, version);
  if (loadedNames.has(name)) return skip('DUPLICATE', 'a plugin with this name is already loaded', name, version);

  const staged: Staged = { operators: [], backends: [], policies: [], scorers: [], sandboxes: [] };
  try {
    await withTimeout(Promise.resolve(register.call(shape.data, stagingApi(staged, options.pluginOptions?.[name] ?? {}, options.cwd ?? process.cwd()))), timeoutMs, 'register()');
  } catch (error) {
    if (error instanceof PluginTimeout) return skip('TIMEOUT', error.message, name, version);
    return skip('REGISTER_FAILED', `register() threw: ${describeError(error)}`, name, version);
  }
  const conflicts = conflictsOf(staged, options.registries);
  if (conflicts.length > 0) return skip('CONFLICT', conflicts.join('; '), name, version);
  const provides = commit(staged, options.registries, `${name}@${version}`);
  const kind = candidate.manifest?.kind ?? shape.data.meta.kind ?? 'operator';
  return { ok: true, plugin: { name, version, kind, apiVersion: meta.apiVersion, path: candidate.path, source: candidate.source, provides } };
}

/**
 * Imports and registers each candidate in order. A plugin that fails in any way is recorded in
 * `skipped` with a reason and contributes nothing (its registrations are staged and dropped);
 * this function itself never throws because of a plugin.
 */
export async function loadPlugins(candidates: readonly PluginCandidate[], options: LoadOptions): Promise<PluginReport> {
  const events = options.events ?? NULL_EVENT_SINK;
  const runId = options.runId ?? 'plugins';
  const loaded: LoadedPlugin[] = [];
  const skipped: SkippedPlugin[] = [];
  const loadedNames = new Set<string>();
  for (const candidate of candidates) {
    let outcome: Outcome;
    try {
      outcome = await loadOne(candidate, options, loadedNames);
    } catch (error) {
      outcome = { ok: false, skip: { name: candidate.name, version: candidate.version, path: candidate.path, source: candidate.source, code: 'IMPORT_FAILED', reason: describeError(error) } };
    }
    if (outcome.ok) {
      loaded.push(outcome.plugin);
      loadedNames.add(outcome.plugin.name);
      events.emit({ type: 'plugin.loaded', runId, plugin: outcome.plugin.name });
    } else {
      skipped.push(outcome.skip);
      events.emit({ type: 'plugin.skipped', runId, plugin: outcome.skip.name, reason: outcome.skip.reason });
    }
  }
  return { hostApiVersion: PLUGIN_API_VERSION, loaded, skipped };
}
