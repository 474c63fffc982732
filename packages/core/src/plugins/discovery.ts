import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { describeError } from '../errors.js';
import type { EventSink } from '../events.js';
import { NULL_EVENT_SINK } from '../events.js';
import { FIRST_PARTY_PREFIX, isFirstPartyProvider, type Registries, type Registry } from '../registry.js';
import type { FlowSteerPlugin, PluginApi, PluginKind } from './api.js';
import { PLUGIN_API_VERSION, PLUGIN_KINDS } from './api.js';
import { CONTRIBUTION_REGISTRY, contributionName, contributionProblem, type Contribution, type ContributionKind, type RejectedContribution } from './contributions.js';
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

export type PluginContributions = { readonly [K in keyof Registries]: readonly string[] };

export interface LoadedPlugin {
  readonly name: string;
  readonly version: string;
  readonly kind: PluginKind;
  readonly apiVersion: number;
  readonly path: string;
  readonly source: PluginCandidate['source'];
  readonly provides: PluginContributions;
  /** Contributions dropped at load: malformed, or clashing with a first-party one. */
  readonly rejected: readonly RejectedContribution[];
  /** First-party contributions this plugin replaced because `plugins.override` names it. */
  readonly overrides: readonly string[];
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
  /** Plugins allowed to replace a first-party contribution of the same name. */
  readonly override?: readonly string[];
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

function isOutside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel);
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
  if (isOutside(dir, entryPath)) {
    return { ...base, manifest: manifest.data, problem: { code: 'BAD_MANIFEST', reason: `entry "${entry}" points outside the package` } };
  }
  // A symlink inside the package may still lead anywhere: judge where it really points.
  let realEntry: string;
  try {
    realEntry = await realpath(entryPath);
  } catch {
    return { ...base, manifest: manifest.data, problem: { code: 'BAD_PACKAGE', reason: `entry "${entry}" does not exist` } };
  }
  if (isOutside(await realpath(dir), realEntry)) {
    return { ...base, manifest: manifest.data, problem: { code: 'BAD_MANIFEST', reason: `entry "${entry}" is a link to ${realEntry}, outside the package` } };
  }
  return { ...base, manifest: manifest.data, entryPath: realEntry };
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
    kind: z.enum(PLUGIN_KINDS).optional(),
  }),
  register: z.custom<FlowSteerPlugin['register']>((value) => typeof value === 'function', 'register must be a function'),
});

class PluginTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // Not unref'd: a plugin whose promise never settles leaves nothing else keeping the process
    // alive, and Node would exit (code 13) instead of skipping the plugin and carrying on.
    timer = setTimeout(() => reject(new PluginTimeout(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function stagingApi(staged: Contribution[], options: Readonly<Record<string, unknown>>, cwd: string): PluginApi {
  const named = (kind: ContributionKind) => (name: string, value: unknown) => void staged.push({ kind, name, value });
  const self = (kind: ContributionKind) => (value: unknown) => void staged.push({ kind, name: contributionName(kind, value), value });
  return {
    hostApiVersion: PLUGIN_API_VERSION,
    options,
    cwd,
    registerOperator: self('operator'),
    registerScorer: self('scorer'),
    registerBackend: named('backend'),
    registerPolicy: named('policy'),
    registerSandbox: named('sandbox'),
    registerExecutor: named('executor'),
    registerCanvas: named('canvas'),
    registerTrainer: named('trainer'),
    registerStore: named('store'),
  };
}

function registryFor(registries: Registries, kind: ContributionKind): Registry<unknown> {
  return registries[CONTRIBUTION_REGISTRY[kind]] as Registry<unknown>;
}

interface Sorted {
  readonly accepted: Contribution[];
  readonly replacing: Contribution[];
  readonly rejected: RejectedContribution[];
  /** Clashes with another third-party plugin: the whole plugin is skipped, as before. */
  readonly conflicts: string[];
}

/**
 * Checks each staged contribution: malformed ones and duplicates are rejected; a clash with a
 * first-party entry keeps the first-party one unless `mayOverride`; a clash with another
 * third-party plugin is a conflict.
 */
function sortContributions(staged: readonly Contribution[], registries: Registries, mayOverride: boolean): Sorted {
  const sorted: Sorted = { accepted: [], replacing: [], rejected: [], conflicts: [] };
  const seen = new Set<string>();
  for (const contribution of staged) {
    const { kind, name } = contribution;
    const problem = contributionProblem(contribution);
    if (problem !== undefined) {
      sorted.rejected.push({ kind, name, reason: problem });
      continue;
    }
    const key = `${kind}:${name}`;
    if (seen.has(key)) {
      sorted.rejected.push({ kind, name, reason: `${kind} "${name}" is registered twice by this plugin; the first one is kept` });
      continue;
    }
    seen.add(key);
    const registry = registryFor(registries, kind);
    if (!registry.has(name)) sorted.accepted.push(contribution);
    else if (!isFirstPartyProvider(registry.providerOf(name))) sorted.conflicts.push(`${kind} "${name}" is already provided by ${registry.providerOf(name) ?? 'another plugin'}`);
    else if (mayOverride) sorted.replacing.push(contribution);
    else sorted.rejected.push({ kind, name, reason: `${kind} "${name}" clashes with the first-party one from ${registry.providerOf(name) ?? FIRST_PARTY_PREFIX}, which is kept (list this plugin in plugins.override to replace it)` });
  }
  return sorted;
}

function commit(sorted: Sorted, registries: Registries, provider: string): PluginContributions {
  for (const { kind, name, value } of sorted.accepted) registryFor(registries, kind).register(name, value, provider);
  for (const { kind, name, value } of sorted.replacing) registryFor(registries, kind).replace(name, value, provider);
  const provides = Object.fromEntries(Object.values(CONTRIBUTION_REGISTRY).map((key) => [key, [] as string[]])) as Record<keyof Registries, string[]>;
  for (const { kind, name } of [...sorted.accepted, ...sorted.replacing]) provides[CONTRIBUTION_REGISTRY[kind]].push(name);
  return provides;
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

  const staged: Contribution[] = [];
  try {
    await withTimeout(Promise.resolve(register.call(shape.data, stagingApi(staged, options.pluginOptions?.[name] ?? {}, options.cwd ?? process.cwd()))), timeoutMs, 'register()');
  } catch (error) {
    if (error instanceof PluginTimeout) return skip('TIMEOUT', error.message, name, version);
    return skip('REGISTER_FAILED', `register() threw: ${describeError(error)}`, name, version);
  }
  const sorted = sortContributions(staged, options.registries, (options.override ?? []).includes(name));
  if (sorted.conflicts.length > 0) return skip('CONFLICT', sorted.conflicts.join('; '), name, version);
  const provides = commit(sorted, options.registries, `${name}@${version}`);
  const kind = candidate.manifest?.kind ?? shape.data.meta.kind ?? 'operator';
  const overrides = sorted.replacing.map((c) => `${c.kind} ${c.name}`);
  return { ok: true, plugin: { name, version, kind, apiVersion: meta.apiVersion, path: candidate.path, source: candidate.source, provides, rejected: sorted.rejected, overrides } };
}

/**
 * Imports and registers each candidate, first-party packages first. Plugins are trusted code:
 * importing one runs its top-level code in this process, even if it is then skipped. A plugin that fails in any way is recorded in
 * `skipped` with a reason and contributes nothing (its registrations are staged and dropped);
 * this function itself never throws because of a plugin.
 */
export async function loadPlugins(candidates: readonly PluginCandidate[], options: LoadOptions): Promise<PluginReport> {
  const events = options.events ?? NULL_EVENT_SINK;
  const runId = options.runId ?? 'plugins';
  const loaded: LoadedPlugin[] = [];
  const skipped: SkippedPlugin[] = [];
  const loadedNames = new Set<string>();
  // First-party packages load first wherever they were found, so a third-party plugin earlier
  // on the path cannot claim their names; the order is otherwise kept.
  const ordered = [...candidates.filter((c) => c.name.startsWith(FIRST_PARTY_PREFIX)), ...candidates.filter((c) => !c.name.startsWith(FIRST_PARTY_PREFIX))];
  for (const candidate of ordered) {
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
