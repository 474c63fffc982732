import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  createRegistries,
  discoverPlugins,
  isPluginPackageName,
  loadPlugins,
  resolvePackageEntry,
  type PluginReport,
} from '../src/index.js';
import { operatorPluginSource, pluginPackage, tempDir, writeTree } from './helpers.js';

const run = promisify(execFile);

async function discoverAndLoad(cwd: string, options: { paths?: string[]; disabled?: string[]; timeoutMs?: number } = {}) {
  const registries = createRegistries();
  const candidates = await discoverPlugins({ cwd, paths: options.paths ?? [] });
  const report = await loadPlugins(candidates, { registries, disabled: options.disabled ?? [], timeoutMs: options.timeoutMs ?? 2_000 });
  return { registries, report };
}

function skipOf(report: PluginReport, name: string) {
  const skip = report.skipped.find((s) => s.name === name);
  if (skip === undefined) throw new Error(`${name} was not skipped: ${JSON.stringify(report, null, 2)}`);
  return skip;
}

describe('plugin package names', () => {
  it('match first-party scoped and third-party prefixes only', () => {
    for (const name of ['@flowsteer/operators-standard', '@flowsteer/backends-openai', 'flowsteer-operator-bm25', 'flowsteer-backend-x', '@acme/flowsteer-operator-sql']) {
      expect(isPluginPackageName(name), name).toBe(true);
    }
    for (const name of ['@flowsteer/core', '@flowsteer/canvas', 'flowsteer', 'flowsteer-operator-', 'operator-flowsteer-x', 'react']) {
      expect(isPluginPackageName(name), name).toBe(false);
    }
  });

  it('resolve the entry from the manifest, then exports, then main', () => {
    const manifest = { kind: 'operator' as const, apiVersion: 1 };
    expect(resolvePackageEntry({ name: 'x', version: '1', main: 'm.js' }, { ...manifest, entry: './e.js' })).toBe('./e.js');
    expect(resolvePackageEntry({ name: 'x', version: '1', exports: { '.': { types: './t.d.ts', import: './i.js' } } }, manifest)).toBe('./i.js');
    expect(resolvePackageEntry({ name: 'x', version: '1', exports: './s.js', main: 'm.js' }, manifest)).toBe('./s.js');
    expect(resolvePackageEntry({ name: 'x', version: '1', main: 'm.js' }, manifest)).toBe('m.js');
  });
});

describe('discoverPlugins + loadPlugins', () => {
  it('loads good plugins and skips every broken one with a reason, without throwing', async () => {
    const root = await tempDir();
    await writeTree(root, {
      'package.json': { name: 'host-project', private: true },
      ...prefix('node_modules/flowsteer-operator-echo', pluginPackage({ name: 'flowsteer-operator-echo', source: operatorPluginSource('flowsteer-operator-echo', 'Echo') })),
      ...prefix('node_modules/@acme/flowsteer-operator-factory', pluginPackage({
        name: '@acme/flowsteer-operator-factory',
        source: `export default async () => ({ meta: { name: '@acme/flowsteer-operator-factory', version: '1.2.3', apiVersion: 1 }, register(api) { api.registerScorer({ metric: 'exact', async score(i) { return { value: 1, correct: true, metric: 'exact' }; } }); } });`,
      })),
      ...prefix('node_modules/flowsteer-operator-throws-on-import', pluginPackage({ name: 'flowsteer-operator-throws-on-import', source: `throw new Error('missing native binding');` })),
      ...prefix('node_modules/flowsteer-operator-syntax', pluginPackage({ name: 'flowsteer-operator-syntax', source: `export default {{;` })),
      ...prefix('node_modules/flowsteer-operator-throws-in-register', pluginPackage({
        name: 'flowsteer-operator-throws-in-register',
        source: `export default { meta: { name: 'flowsteer-operator-throws-in-register', version: '1.2.3', apiVersion: 1 }, register(api) { api.registerOperator({ name: 'Half' }); throw new Error('boom'); } };`,
      })),
      ...prefix('node_modules/flowsteer-operator-api2', pluginPackage({ name: 'flowsteer-operator-api2', apiVersion: 2, source: operatorPluginSource('flowsteer-operator-api2', 'Future') })),
      ...prefix('node_modules/flowsteer-operator-nomanifest', pluginPackage({ name: 'flowsteer-operator-nomanifest', manifest: null, source: 'export default {}' })),
      ...prefix('node_modules/flowsteer-operator-badmanifest', pluginPackage({ name: 'flowsteer-operator-badmanifest', manifest: { kind: 'widget', apiVersion: 1 }, source: 'export default {}' })),
      ...prefix('node_modules/flowsteer-operator-noexport', pluginPackage({ name: 'flowsteer-operator-noexport', source: 'export const x = 1;' })),
      ...prefix('node_modules/flowsteer-operator-zclash', pluginPackage({ name: 'flowsteer-operator-zclash', source: operatorPluginSource('flowsteer-operator-zclash', 'Echo') })),
      ...prefix('node_modules/flowsteer-operator-hangs', pluginPackage({ name: 'flowsteer-operator-hangs', source: 'await new Promise(() => {}); export default {};' })),
      ...prefix('node_modules/not-a-plugin', pluginPackage({ name: 'not-a-plugin', source: 'throw new Error("must never be imported")' })),
    });
    // Long enough for the sound plugins to import on a loaded machine; the hanging one costs this much.
    const { registries, report } = await discoverAndLoad(root, { timeoutMs: 3_000 });

    expect(report.loaded.map((p) => p.name).sort()).toEqual(['@acme/flowsteer-operator-factory', 'flowsteer-operator-echo']);
    expect(registries.operators.names()).toEqual(['Echo']);
    expect(registries.operators.providerOf('Echo')).toBe('flowsteer-operator-echo@1.2.3');
    expect(registries.scorers.names()).toEqual(['exact']);
    expect(report.loaded.find((p) => p.name === 'flowsteer-operator-echo')?.provides.operators).toEqual(['Echo']);

    expect(skipOf(report, 'flowsteer-operator-throws-on-import')).toMatchObject({ code: 'IMPORT_FAILED', reason: expect.stringContaining('missing native binding') });
    expect(skipOf(report, 'flowsteer-operator-syntax').code).toBe('IMPORT_FAILED');
    expect(skipOf(report, 'flowsteer-operator-throws-in-register')).toMatchObject({ code: 'REGISTER_FAILED', reason: 'register() threw: boom' });
    expect(registries.operators.has('Half')).toBe(false);
    expect(skipOf(report, 'flowsteer-operator-api2')).toMatchObject({ code: 'INCOMPATIBLE_API', reason: 'targets plugin API v2; this host supports v1' });
    expect(skipOf(report, 'flowsteer-operator-nomanifest').code).toBe('NO_MANIFEST');
    expect(skipOf(report, 'flowsteer-operator-badmanifest')).toMatchObject({ code: 'BAD_MANIFEST', reason: expect.stringContaining('kind') });
    expect(skipOf(report, 'flowsteer-operator-noexport').code).toBe('BAD_EXPORT');
    expect(skipOf(report, 'flowsteer-operator-zclash')).toMatchObject({ code: 'CONFLICT', reason: 'operator "Echo" is already provided by flowsteer-operator-echo@1.2.3' });
    expect(skipOf(report, 'flowsteer-operator-hangs')).toMatchObject({ code: 'TIMEOUT' });
    expect(report.skipped.some((s) => s.name === 'not-a-plugin')).toBe(false);
  });

  it('prefers the nearest node_modules copy of a package', async () => {
    const root = await tempDir();
    await writeTree(root, {
      ...prefix('node_modules/flowsteer-backend-near', pluginPackage({ name: 'flowsteer-backend-near', kind: 'backend', source: backendSource('flowsteer-backend-near', 'outer', '1.0.0') })),
      ...prefix('app/node_modules/flowsteer-backend-near', pluginPackage({ name: 'flowsteer-backend-near', kind: 'backend', source: backendSource('flowsteer-backend-near', 'inner', '1.2.3') })),
    });
    const { registries, report } = await discoverAndLoad(join(root, 'app'));
    expect(report.loaded).toHaveLength(1);
    expect(registries.backends.names()).toEqual(['inner']);
  });

  it('loads explicit paths from config (package dirs and bare modules) and honours disabled', async () => {
    const root = await tempDir();
    await writeTree(root, {
      ...prefix('local/my-op', pluginPackage({ name: 'my-op', source: operatorPluginSource('my-op', 'Mine') })),
      'single.js': operatorPluginSource('single-file-plugin', 'Single'),
      ...prefix('node_modules/flowsteer-operator-off', pluginPackage({ name: 'flowsteer-operator-off', source: operatorPluginSource('flowsteer-operator-off', 'Off') })),
    });
    const { registries, report } = await discoverAndLoad(root, { paths: ['./local/my-op', join(root, 'single.js'), './missing-dir/x.js'], disabled: ['flowsteer-operator-off'] });
    expect(registries.operators.names()).toEqual(['Mine', 'Single']);
    expect(report.loaded.map((p) => [p.name, p.source])).toEqual([['my-op', 'config'], ['single-file-plugin', 'config']]);
    expect(skipOf(report, 'flowsteer-operator-off').code).toBe('DISABLED');
    expect(report.skipped.find((s) => s.path.endsWith('x.js'))?.code).toBe('IMPORT_FAILED');
  });

  it('hands each plugin its own options from config and the project directory', async () => {
    const root = await tempDir();
    const source = `export default { meta: { name: 'flowsteer-operator-opts', version: '1.2.3', apiVersion: 1 }, register(api) {
      if (typeof api.options.greeting !== 'string') throw new Error('set plugins.options["flowsteer-operator-opts"].greeting');
      const greeting = api.options.greeting; const where = api.cwd;
      api.registerOperator({ name: 'Greet', category: 'solver', description: 'greets', inputSchema: { safeParse: (x) => ({ success: true, data: x }) }, outputSchema: { safeParse: (x) => ({ success: true, data: x }) }, run: async () => ({ response: greeting + ' from ' + where }) });
    } };`;
    await writeTree(root, prefix('node_modules/flowsteer-operator-opts', pluginPackage({ name: 'flowsteer-operator-opts', source })));
    const candidates = await discoverPlugins({ cwd: root });
    const without = await loadPlugins(candidates, { registries: createRegistries() });
    expect(skipOf(without, 'flowsteer-operator-opts')).toMatchObject({ code: 'REGISTER_FAILED', reason: expect.stringContaining('greeting') });
    const registries = createRegistries();
    const report = await loadPlugins(candidates, { registries, cwd: root, pluginOptions: { 'flowsteer-operator-opts': { greeting: 'hello' }, other: { greeting: 'no' } } });
    expect(report.skipped).toEqual([]);
    await expect(registries.operators.get('Greet').run({}, undefined as never)).resolves.toEqual({ response: `hello from ${root}` });
  });

  it('discovers a plugin installed with npm from a packed tarball', async () => {
    const work = await tempDir();
    const pluginDir = join(work, 'plugin-src');
    await writeTree(pluginDir, {
      ...pluginPackage({ name: 'flowsteer-operator-packed', source: operatorPluginSource('flowsteer-operator-packed', 'Packed') }),
      'README.md': '# packed fixture',
    });
    const npmEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
    const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', work], { cwd: pluginDir, env: npmEnv });
    const tarball = join(work, stdout.trim().split('\n').pop() ?? '');
    const project = join(work, 'project');
    await writeTree(project, { 'package.json': { name: 'consumer', version: '1.0.0', private: true } });
    await run('npm', ['install', '--offline', '--no-package-lock', '--ignore-scripts', tarball], { cwd: project, env: npmEnv });

    const { registries, report } = await discoverAndLoad(project);
    expect(report.skipped).toEqual([]);
    expect(report.loaded).toEqual([
      expect.objectContaining({ name: 'flowsteer-operator-packed', version: '1.2.3', kind: 'operator', source: 'node_modules' }),
    ]);
    const operator = registries.operators.get('Packed');
    await expect(operator.run({ input: 'hi' }, undefined as never)).resolves.toEqual({ response: 'hi' });
  });
});

function prefix(dir: string, files: Record<string, string | object>): Record<string, string | object> {
  return Object.fromEntries(Object.entries(files).map(([path, content]) => [`${dir}/${path}`, content]));
}

function backendSource(pluginName: string, backendName: string, version: string): string {
  return `export default { meta: { name: ${JSON.stringify(pluginName)}, version: ${JSON.stringify(version)}, apiVersion: 1 }, register(api) { api.registerBackend(${JSON.stringify(backendName)}, () => ({ id: ${JSON.stringify(backendName)} })); } };`;
}
