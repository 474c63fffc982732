import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { flowsteer, repoRoot } from './helpers.js';

const run = promisify(execFile);
// npm works from its cache and local files only; nothing here needs the registry.
const npmEnv = { HOME: process.env['HOME'] ?? tmpdir(), npm_config_offline: 'true', npm_config_update_notifier: 'false' };

let temp = '';
afterEach(async () => {
  if (temp !== '') await rm(temp, { recursive: true, force: true });
});

async function packPlugin(name: string, entry: string): Promise<string> {
  const dir = join(temp, 'src', name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', main: 'index.js', files: ['index.js'], flowsteer: { kind: 'operator', apiVersion: 1 } }));
  await writeFile(join(dir, 'index.js'), entry);
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', temp], { cwd: dir, env: { ...process.env, ...npmEnv } });
  return join(temp, stdout.trim().split('\n').pop() ?? '');
}

describe('flowsteer plugins add', () => {
  it('installs a plugin tarball into the project and reports what it provides', async () => {
    temp = await mkdtemp(join(tmpdir(), 'flowsteer-add-'));
    const tarball = await packPlugin('flowsteer-operator-hello', `export default { meta: { name: 'flowsteer-operator-hello', version: '1.0.0', apiVersion: 1 }, register(api) { api.registerOperator({ name: 'Hello', category: 'solver', description: 'says hello', inputSchema: { safeParse: (x) => ({ success: true, data: x }) }, outputSchema: { safeParse: (x) => ({ success: true, data: x }) }, run: async () => ({ response: 'hello' }) }); } };`);
    const project = join(temp, 'project');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true }));
    const result = await flowsteer(['plugins', 'add', tarball, '--json'], { cwd: project, env: npmEnv });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { loaded: Array<{ name: string; provides: { operators: string[] } }>; skipped: unknown[] };
    expect(report.loaded.map((p) => [p.name, p.provides.operators])).toEqual([['flowsteer-operator-hello', ['Hello']]]);
    expect(report.skipped).toEqual([]);
    expect(JSON.parse(await readFile(join(project, 'package.json'), 'utf8')).dependencies).toHaveProperty('flowsteer-operator-hello');
  }, 120_000);

  it('keeps a plugin that throws on load installed, reports it skipped with the reason, and exits 1', async () => {
    temp = await mkdtemp(join(tmpdir(), 'flowsteer-add-'));
    const tarball = await packPlugin('flowsteer-operator-explodes', `throw new Error('native addon missing');`);
    const project = join(temp, 'project');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true }));
    const result = await flowsteer(['plugins', 'add', tarball], { cwd: project, env: npmEnv });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ flowsteer-operator-explodes@1\.0\.0 installed but skipped \(IMPORT_FAILED\): .*native addon missing/);
    await expect(readFile(join(project, 'node_modules', 'flowsteer-operator-explodes', 'package.json'), 'utf8')).resolves.toContain('explodes');
  }, 120_000);

  it('fails with npm’s message when the package cannot be installed, and needs a package name', async () => {
    temp = await mkdtemp(join(tmpdir(), 'flowsteer-add-'));
    await writeFile(join(temp, 'package.json'), JSON.stringify({ name: 'user-project', private: true }));
    const missing = await flowsteer(['plugins', 'add', join(temp, 'no-such-plugin.tgz')], { cwd: temp, env: npmEnv });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/error: npm install .*no-such-plugin\.tgz failed \(exit \d+\)/);
    expect((await flowsteer(['plugins', 'add'], { cwd: temp, env: npmEnv })).code).toBe(2);
  }, 120_000);
});

describe('flowsteer plugins new', () => {
  it('creates a third-party operator package that builds and passes its own tests untouched', async () => {
    temp = await mkdtemp(join(tmpdir(), 'flowsteer-new-'));
    const created = await flowsteer(['plugins', 'new', 'weather', '--json'], { cwd: temp });
    expect(created.code, created.stderr).toBe(0);
    const { packageName, directory } = JSON.parse(created.stdout) as { packageName: string; directory: string };
    expect(packageName).toBe('flowsteer-operator-weather');
    expect(directory).toBe(join(temp, 'flowsteer-operator-weather'));
    // FlowSteer packages are not on npm yet: from a checkout the scaffold takes them with file:
    // specs that point at this checkout's packages, so `npm install` works before a release.
    const manifest = JSON.parse(await readFile(join(directory, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    for (const name of ['@flowsteer/core', '@flowsteer/plugin-testkit']) {
      const spec = manifest.devDependencies[name] ?? '';
      expect(spec).toMatch(/^file:/);
      const linked = JSON.parse(await readFile(join(directory, spec.slice('file:'.length), 'package.json'), 'utf8')) as { name: string };
      expect(linked.name).toBe(name);
    }
    // Stand-in for `npm install`: the repository's node_modules hold the same dependencies.
    await symlink(join(repoRoot, 'node_modules'), join(directory, 'node_modules'), 'dir');
    const env = { ...process.env, FORCE_COLOR: '0' };
    await run(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.lib.json'], { cwd: directory, env });
    const tests = await run(join(repoRoot, 'node_modules', '.bin', 'vitest'), ['run'], { cwd: directory, env });
    expect(tests.stdout.replace(/\u001B\[[0-9;]*m/g, '')).toMatch(/Tests\s+8 passed \(8\)/);
  }, 120_000);

  it('refuses a bad name, a bad kind and a non-empty folder with exit 2', async () => {
    temp = await mkdtemp(join(tmpdir(), 'flowsteer-new-'));
    await writeFile(join(temp, 'taken.txt'), 'x');
    expect((await flowsteer(['plugins', 'new', 'Bad Name'], { cwd: temp })).stderr).toMatch(/not a usable plugin name/);
    expect((await flowsteer(['plugins', 'new', 'x', '--kind', 'wizard'], { cwd: temp })).code).toBe(2);
    const taken = await flowsteer(['plugins', 'new', 'x', '--dir', '.'], { cwd: temp });
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('exists and is not empty');
  }, 60_000);
});
