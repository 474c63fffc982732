import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const nx = join(repo, 'node_modules', '.bin', 'nx');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_SKIP_NX_CACHE: 'true', FORCE_COLOR: '0' };

/**
 * A scratch Nx workspace beside the repository: its own package.json, nx.json and shared configs,
 * with the repository's node_modules linked in so `@flowsteer/tools` and its dependencies resolve.
 */
let scratch = '';
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'flowsteer-generator-'));
  await writeFile(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module', workspaces: ['packages/*'] }));
  await writeFile(join(scratch, 'nx.json'), JSON.stringify({ neverConnectToCloud: true, useDaemonProcess: false }));
  await copyFile(join(repo, 'tsconfig.base.json'), join(scratch, 'tsconfig.base.json'));
  await copyFile(join(repo, 'vitest.shared.ts'), join(scratch, 'vitest.shared.ts'));
  await symlink(join(repo, 'node_modules'), join(scratch, 'node_modules'), 'dir');
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function generate(generator: string, name: string, extra: readonly string[] = []): Promise<string> {
  const { stdout } = await run(nx, ['g', `@flowsteer/tools:${generator}`, name, ...extra, '--skipInstall', '--no-interactive'], { cwd: scratch, env });
  return stdout;
}

/** Builds the generated package and runs its own tests untouched; returns vitest's counts. */
async function buildAndTest(dir: string, project: string): Promise<{ passed: number; failed: number }> {
  const cwd = join(scratch, dir);
  await run(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.lib.json'], { cwd, env });
  await run(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd, env });
  await run(join(repo, 'node_modules', '.bin', 'vitest'), ['run'], { cwd, env });
  const report = JSON.parse(await readFile(join(scratch, '.test-results', `${project}.json`), 'utf8')) as { numPassedTests: number; numFailedTests: number };
  return { passed: report.numPassedTests, failed: report.numFailedTests };
}

describe('nx g @flowsteer/tools:*-plugin', () => {
  it('creates an operator plugin whose own tests (conformance included) pass untouched', async () => {
    const out = await generate('operator-plugin', 'weather');
    expect(out).toContain('CREATE packages/operators-weather/package.json');
    expect(out).toContain('CREATE .changeset/operators-weather.md');
    const pkg = JSON.parse(await readFile(join(scratch, 'packages/operators-weather/package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg).toMatchObject({ name: '@flowsteer/operators-weather', flowsteer: { kind: 'operator', apiVersion: 1 }, peerDependencies: { '@flowsteer/core': '>=0.1.0 <1.0.0' } });
    expect(await buildAndTest('packages/operators-weather', 'operators-weather')).toEqual({ passed: 8, failed: 0 });
  }, 120_000);

  it('creates a backend plugin whose own tests pass untouched', async () => {
    await generate('backend-plugin', 'echo-http');
    expect(await readFile(join(scratch, '.changeset/backends-echo-http.md'), 'utf8')).toContain('"@flowsteer/backends-echo-http": minor');
    expect(await buildAndTest('packages/backends-echo-http', 'backends-echo-http')).toEqual({ passed: 8, failed: 0 });
  }, 120_000);

  it('creates a plugin for every other slot whose conformance tests pass untouched', async () => {
    const expected: Record<string, { dir: string; tests: number }> = {
      policy: { dir: 'policies', tests: 4 },
      executor: { dir: 'executors', tests: 4 },
      scorer: { dir: 'scorers', tests: 4 },
      trainer: { dir: 'trainers', tests: 4 },
      canvas: { dir: 'canvases', tests: 6 },
      store: { dir: 'stores', tests: 4 },
    };
    for (const [kind, { dir, tests }] of Object.entries(expected)) {
      const out = await generate('slot-plugin', 'demo', ['--kind', kind]);
      expect(out).toContain(`CREATE packages/${dir}-demo/package.json`);
      const pkg = JSON.parse(await readFile(join(scratch, `packages/${dir}-demo/package.json`), 'utf8')) as Record<string, unknown>;
      expect(pkg, kind).toMatchObject({ name: `@flowsteer/${dir}-demo`, flowsteer: { kind, apiVersion: 1 } });
      expect(await buildAndTest(`packages/${dir}-demo`, `${dir}-demo`), kind).toEqual({ passed: tests, failed: 0 });
    }
  }, 600_000);

  it('refuses to overwrite an existing package or take a bad name', async () => {
    await expect(generate('operator-plugin', 'weather')).rejects.toThrow(/packages\/operators-weather already exists/);
    await expect(generate('operator-plugin', 'Not_Valid')).rejects.toThrow(/not a usable plugin name/);
  }, 60_000);
});
