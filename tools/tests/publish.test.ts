import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FakeOpenAiServer } from '@flowsteer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWorkspace } from '../src/boundaries.mjs';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
// npm may use the registry for third-party dependencies missing from its cache; ours come from tarballs.
const env = { ...process.env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', FORCE_COLOR: '0', CI: 'true' };

interface Packed {
  readonly name: string;
  readonly filename: string;
  readonly files: ReadonlyArray<{ path: string }>;
}

/** Every package a user can install: the publishable libraries and plugins, and the flowsteer app. */
async function installable(): Promise<Array<{ name: string; dir: string; pkg: Record<string, unknown> }>> {
  const workspace = await readWorkspace(repo);
  return [...workspace.values()].filter((p) => p.pkg['private'] !== true || p.name === 'flowsteer');
}

let scratch = '';
let packed: Packed[] = [];
let server: FakeOpenAiServer;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'flowsteer-publish-'));
  const tarballs = join(scratch, 'tarballs');
  await mkdir(tarballs);
  for (const { dir } of await installable()) {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tarballs], { cwd: dir, env });
    packed.push(...(JSON.parse(stdout) as Packed[]));
  }
  // A plugin that throws on load, installed the same way as the real ones.
  const broken = join(scratch, 'broken');
  await mkdir(broken);
  await writeFile(join(broken, 'package.json'), JSON.stringify({ name: 'flowsteer-operator-broken', version: '0.0.1', type: 'module', main: 'index.js', flowsteer: { kind: 'operator', apiVersion: 1 } }));
  await writeFile(join(broken, 'index.js'), "throw new Error('this plugin cannot load');\n");
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tarballs], { cwd: broken, env });
  const brokenTarball = (JSON.parse(stdout) as Packed[])[0]?.filename ?? '';

  const project = join(scratch, 'project');
  await mkdir(project);
  // As the README tells users on machines that cannot reach onnxruntime's CUDA download.
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'scratch-user', private: true, type: 'module', allowScripts: { 'onnxruntime-node': false, protobufjs: false } }));
  await run('npm', ['install', ...packed.map((p) => join(tarballs, p.filename)), join(tarballs, brokenTarball)], { cwd: project, env, maxBuffer: 16 * 1024 * 1024 });
  server = await FakeOpenAiServer.start((request) => {
    const prompt = request.body.messages?.at(-1)?.content ?? '';
    return { content: prompt.includes('Extract only the final answer') ? '42' : 'Six times seven is 42.' };
  });
}, 300_000);
afterAll(async () => {
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

const flowsteer = (args: string[]) => run(join(scratch, 'project', 'node_modules', '.bin', 'flowsteer'), args, { cwd: join(scratch, 'project'), env }).catch((error: { code: number; stdout: string; stderr: string }) => error);

describe('packing and installing every package', () => {
  it('packs each installable package with its README, types and built entry, and nothing from tests', async () => {
    const expected = (await installable()).map((p) => p.name).sort();
    expect(packed.map((p) => p.name).sort()).toEqual(expected);
    for (const tarball of packed) {
      const files = tarball.files.map((f) => f.path);
      expect(files, tarball.name).toEqual(expect.arrayContaining(['package.json', 'README.md']));
      expect(files.some((f) => f.startsWith('tests/') || f.startsWith('src/')), `${tarball.name} ships tests or sources`).toBe(false);
      const pkg = JSON.parse(await readFile(join((await installable()).find((p) => p.name === tarball.name)?.dir ?? '', 'package.json'), 'utf8')) as { exports: Record<string, unknown>; types?: string };
      expect(pkg.exports['./package.json'], `${tarball.name} exports ./package.json`).toBe('./package.json');
      if (tarball.name !== 'flowsteer') expect(files, tarball.name).toContain(pkg.types?.replace(/^\.\//, ''));
    }
  });

  it('installs onnxruntime-node only for @flowsteer/onnx-policy and pyodide only for @flowsteer/operators-code', async () => {
    interface Tree {
      readonly dependencies?: Readonly<Record<string, Tree>>;
    }
    const { stdout } = await run('npm', ['ls', '--all', '--json', 'onnxruntime-node', 'pyodide'], { cwd: join(scratch, 'project'), env });
    const dependents = new Map<string, Set<string>>();
    const walk = (name: string, tree: Tree): void => {
      for (const [child, subtree] of Object.entries(tree.dependencies ?? {})) {
        if (child === 'onnxruntime-node' || child === 'pyodide') dependents.set(child, (dependents.get(child) ?? new Set()).add(name));
        walk(child, subtree);
      }
    };
    walk('scratch-user', JSON.parse(stdout) as Tree);
    expect(Object.fromEntries([...dependents].map(([dep, names]) => [dep, [...names].sort()]))).toEqual({ 'onnxruntime-node': ['@flowsteer/onnx-policy'], pyodide: ['@flowsteer/operators-code'] });
  });

  it('runs flowsteer plugins list from the installed tarballs: every plugin loads, the broken one is skipped with its reason', async () => {
    const result = await flowsteer(['plugins', 'list', '--json']);
    const report = JSON.parse(result.stdout) as { loaded: Array<{ name: string }>; skipped: Array<{ name: string; code: string; reason: string }> };
    expect(report.loaded.map((p) => p.name).sort()).toEqual(['@flowsteer/backends-llamacpp', '@flowsteer/backends-openai', '@flowsteer/backends-replay', '@flowsteer/operators-code', '@flowsteer/operators-standard', 'flowsteer-operator-bm25']);
    expect(report.skipped).toEqual([expect.objectContaining({ name: 'flowsteer-operator-broken', code: 'IMPORT_FAILED', reason: expect.stringContaining('this plugin cannot load') })]);
  });

  it('runs a workflow end to end from the installed tarballs against an OpenAI-compatible server', async () => {
    const result = await flowsteer(['run', '--task', 'What is 6*7?', '--workflow', 'Custom -> Format', '--base-url', server.baseUrl, '--model', 'fake-model', '--json']);
    const report = JSON.parse(result.stdout) as { answer: string; success: boolean };
    expect(report, result.stdout).toMatchObject({ success: true, answer: '42' });
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    await expect(access(join(scratch, 'project', 'node_modules', '@flowsteer', 'core', 'dist', 'index.js'))).resolves.toBeUndefined();
  });
  it('says how to enable embedded GGUF models when node-llama-cpp (an optional peer) is not installed', async () => {
    const model = join(scratch, 'project', 'model.gguf');
    await writeFile(model, 'GGUF');
    const result = await flowsteer(['run', '--task', 'x', '--workflow', 'Custom', '--backend', 'llamacpp', '--model', model, '--json']);
    expect(`${result.stdout}${result.stderr}`).toContain('node-llama-cpp is not installed; run: npm install node-llama-cpp@3.21.1');
  });
});
