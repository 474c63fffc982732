import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { LoadedPlugin, PluginReport, SkippedPlugin } from '@flowsteer/core';
import { SCAFFOLD_KINDS, ScaffoldError, pluginScaffold, type Scaffold, type ScaffoldKind } from '@flowsteer/plugin-testkit/scaffold';
import { CliUsageError } from '../errors.js';

/** npm failed: its exit code and the end of what it printed. */
export class NpmInstallError extends Error {
  override readonly name = 'NpmInstallError';
}

export interface AddReport {
  readonly specs: readonly string[];
  /** Plugins that appeared or changed version with this install and loaded. */
  readonly loaded: readonly LoadedPlugin[];
  /** Plugins that appeared with this install but the host skipped, with reasons. */
  readonly skipped: readonly SkippedPlugin[];
}

/** Runs `npm install` in `cwd`, streaming npm's own output to `log`; rejects with npm's last lines. */
export function npmInstall(specs: readonly string[], cwd: string, log: (text: string) => void, npmArgs: readonly string[] = []): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('npm', ['install', '--no-audit', '--no-fund', ...npmArgs, ...specs], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      log(text);
      tail = (tail + text).slice(-2000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => reject(new NpmInstallError(`cannot run npm: ${error.message}`)));
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new NpmInstallError(`npm install ${specs.join(' ')} failed (exit ${code ?? 'signal'}):\n${tail.trim()}`))));
  });
}

const key = (plugin: { name: string; version: string }): string => `${plugin.name}@${plugin.version}`;

/**
 * Installs plugin packages into the project with npm, then reports which plugins the host now
 * finds that it did not before (or finds at a new version), loaded or skipped.
 */
export async function addPlugins(specs: readonly string[], options: { readonly cwd: string; readonly discover: () => Promise<PluginReport>; readonly log: (text: string) => void; readonly npmArgs?: readonly string[] }): Promise<AddReport> {
  if (specs.length === 0) throw new CliUsageError('name at least one package, e.g. flowsteer plugins add flowsteer-operator-bm25');
  const before = await options.discover();
  const known = new Set([...before.loaded, ...before.skipped].map(key));
  await npmInstall(specs, options.cwd, options.log, options.npmArgs);
  const after = await options.discover();
  return { specs, loaded: after.loaded.filter((p) => !known.has(key(p))), skipped: after.skipped.filter((p) => !known.has(key(p))) };
}

export function formatAddReport(report: AddReport): string {
  const lines = [
    ...report.loaded.map((p) => `✓ ${p.name}@${p.version} [${p.kind}] ${Object.entries(p.provides).filter(([, names]) => names.length > 0).map(([what, names]) => `${what}: ${(names as string[]).join(', ')}`).join('; ')}`),
    ...report.skipped.map((p) => `✗ ${p.name}@${p.version} installed but skipped (${p.code}): ${p.reason}`),
  ];
  if (lines.length === 0) lines.push(`installed ${report.specs.join(' ')}, but no new FlowSteer plugin was found (a plugin's package.json has a "flowsteer" manifest and a name like flowsteer-operator-*)`);
  return `${lines.join('\n')}\n`;
}

export interface NewPluginResult {
  readonly packageName: string;
  readonly directory: string;
  readonly files: readonly string[];
  /** FlowSteer packages the scaffold takes from this checkout (`file:`), because npm has no release of them yet. */
  readonly linked: Readonly<Record<string, string>>;
}

const LOCAL_PACKAGES = ['@flowsteer/core', '@flowsteer/plugin-testkit'] as const;

/**
 * Where the FlowSteer packages this app runs with live, when they are sources in a checkout (not
 * installed from the registry): a new plugin can depend on them with `file:` and install today.
 */
function checkoutPackages(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const found: Record<string, string> = {};
  for (const name of LOCAL_PACKAGES) {
    try {
      const dir = dirname(realpathSync(require.resolve(`${name}/package.json`)));
      if (!dir.split(sep).includes('node_modules')) found[name] = dir;
    } catch {
      // not resolvable: leave the registry range
    }
  }
  return found;
}

async function linkCheckoutPackages(target: string): Promise<Record<string, string>> {
  const local = checkoutPackages();
  if (Object.keys(local).length === 0) return {};
  const path = join(target, 'package.json');
  const manifest = JSON.parse(await readFile(path, 'utf8')) as { devDependencies?: Record<string, string> };
  const linked: Record<string, string> = {};
  for (const [name, dir] of Object.entries(local)) {
    if (manifest.devDependencies?.[name] === undefined) continue;
    linked[name] = `file:${relative(target, dir).split(sep).join('/')}`;
    manifest.devDependencies[name] = linked[name];
  }
  await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`);
  return linked;
}

/** Writes a standalone plugin package (the same scaffold the Nx generator uses) into a new folder. */
export async function newPlugin(name: string, options: { readonly kind: string; readonly cwd: string; readonly dir?: string; readonly description?: string }): Promise<NewPluginResult> {
  if (!(SCAFFOLD_KINDS as readonly string[]).includes(options.kind)) throw new CliUsageError(`--kind must be one of ${SCAFFOLD_KINDS.join(', ')}, got "${options.kind}"`);
  let scaffold: Scaffold;
  try {
    scaffold = pluginScaffold({ name, kind: options.kind as ScaffoldKind, layout: 'standalone', ...(options.description === undefined ? {} : { description: options.description }) });
  } catch (error) {
    if (error instanceof ScaffoldError) throw new CliUsageError(error.message);
    throw error;
  }
  const target = options.dir === undefined ? join(options.cwd, scaffold.directory) : isAbsolute(options.dir) ? options.dir : resolve(options.cwd, options.dir);
  const existing = await readdir(target).catch(() => []);
  if (existing.length > 0) throw new CliUsageError(`${target} exists and is not empty; choose another --dir`);
  for (const [path, content] of Object.entries(scaffold.files)) {
    await mkdir(dirname(join(target, path)), { recursive: true });
    await writeFile(join(target, path), content, { flag: 'wx' });
  }
  const linked = await linkCheckoutPackages(target);
  return { packageName: scaffold.packageName, directory: target, files: Object.keys(scaffold.files), linked };
}
