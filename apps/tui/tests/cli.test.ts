import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { flowsteer, repoRoot } from './helpers.js';

const FIRST_PARTY = ['@flowsteer/backends-openai', '@flowsteer/backends-replay', '@flowsteer/operators-code', '@flowsteer/operators-standard'];

let temp = '';
afterEach(async () => {
  if (temp !== '') await rm(temp, { recursive: true, force: true });
});

async function projectWith(files: Record<string, string | object>): Promise<string> {
  temp = await mkdtemp(join(tmpdir(), 'flowsteer-cli-'));
  for (const [path, content] of Object.entries({ 'package.json': { name: 'user-project', private: true }, ...files })) {
    await mkdir(dirname(join(temp, path)), { recursive: true });
    await writeFile(join(temp, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return temp;
}

const brokenPlugin = {
  'node_modules/flowsteer-operator-broken/package.json': { name: 'flowsteer-operator-broken', version: '0.0.1', type: 'module', main: 'index.js', flowsteer: { kind: 'operator', apiVersion: 1 } },
  'node_modules/flowsteer-operator-broken/index.js': `throw new Error('cannot load native addon');`,
  'node_modules/flowsteer-operator-ok/package.json': { name: 'flowsteer-operator-ok', version: '2.0.0', type: 'module', main: 'index.js', flowsteer: { kind: 'operator', apiVersion: 1 } },
  'node_modules/flowsteer-operator-ok/index.js': `export default { meta: { name: 'flowsteer-operator-ok', version: '2.0.0', apiVersion: 1 }, register(api) { api.registerOperator({ name: 'Ok', category: 'solver', description: 'ok', inputSchema: { safeParse: (x) => ({ success: true, data: x }) }, outputSchema: { safeParse: (x) => ({ success: true, data: x }) }, run: async () => ({}) }); } };`,
};

describe('flowsteer plugins list', () => {
  it('--json from the repository lists the first-party plugins', async () => {
    const result = await flowsteer(['plugins', 'list', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { host: { apiVersion: number }; loaded: Array<{ name: string; version: string; kind: string }>; skipped: unknown[] };
    expect(report.host.apiVersion).toBe(1);
    expect(report.loaded.map((p) => p.name)).toEqual(expect.arrayContaining(FIRST_PARTY));
    expect(report.skipped).toEqual([]);
  });

  it('reports a broken plugin as skipped with its reason and still loads the rest', async () => {
    const cwd = await projectWith(brokenPlugin);
    const result = await flowsteer(['plugins', 'list', '--json'], { cwd });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { loaded: Array<{ name: string; provides: { operators: string[] } }>; skipped: Array<{ name: string; code: string; reason: string }> };
    expect(report.skipped).toEqual([
      expect.objectContaining({ name: 'flowsteer-operator-broken', code: 'IMPORT_FAILED', reason: expect.stringContaining('cannot load native addon') }),
    ]);
    expect(report.loaded.find((p) => p.name === 'flowsteer-operator-ok')?.provides.operators).toEqual(['Ok']);
    // Plugins installed beside the app itself are found from any working directory.
    expect(report.loaded.map((p) => p.name)).toEqual(expect.arrayContaining(FIRST_PARTY));
  });

  it('prints a readable report without --json', async () => {
    const cwd = await projectWith(brokenPlugin);
    const result = await flowsteer(['plugins', 'list'], { cwd });
    expect(result.stdout).toMatch(/✓ flowsteer-operator-ok@2\.0\.0 \[operator\] operators: Ok/);
    expect(result.stdout).toMatch(/✗ flowsteer-operator-broken@0\.0\.1 skipped \(IMPORT_FAILED\): .*cannot load native addon/);
  });
});

describe('flowsteer exit codes and config errors', () => {
  it('exits 2 and names the key for a bad config value', async () => {
    const cwd = await projectWith({ 'flowsteer.config.json': { executor: { timeoutMs: -5 } } });
    const result = await flowsteer(['config', 'show'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('config key "executor.timeoutMs"');
    expect(result.stderr).toContain('flowsteer.config.json');
  });

  it('exits 2 on an unknown command or a malformed --set', async () => {
    expect((await flowsteer(['frobnicate'])).code).toBe(2);
    const badSet = await flowsteer(['--set', 'novalue', 'config', 'show']);
    expect(badSet.code).toBe(2);
    expect(badSet.stderr).toContain('--set expects key=value');
  });

  it('shows resolved config with provenance and redacts secrets', async () => {
    const cwd = await projectWith({});
    const result = await flowsteer(['--set', 'executor.model=m1', 'config', 'show', '--json'], { cwd, env: { FLOWSTEER_EXECUTOR_API_KEY: 'sk-secret' } });
    expect(result.code).toBe(0);
    const payload = JSON.parse(result.stdout) as { config: { executor: { model: string; apiKey: string } }; provenance: Record<string, string> };
    expect(payload.config.executor).toMatchObject({ model: 'm1', apiKey: '***' });
    expect(payload.provenance).toEqual({ 'executor.model': 'flag --set executor.model', 'executor.apiKey': 'env FLOWSTEER_EXECUTOR_API_KEY' });
    expect(result.stdout).not.toContain('sk-secret');
  });

  it('runs in-process with injected io and prints help plus plugins with no arguments', async () => {
    let out = '';
    const code = await runCli([], { stdout: (t) => (out += t), stderr: () => undefined, cwd: repoRoot, env: {}, stdin: async () => '', interactive: false });
    expect(code).toBe(0);
    expect(out).toContain('Usage: flowsteer');
    expect(out).toMatch(/Plugins \(plugin API v1\): \d+ loaded, 0 skipped/);
  });
});
