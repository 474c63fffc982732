import { createServer } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootHost, type Observation } from '@flowsteer/core';
import { CanvasEnv } from '@flowsteer/canvas';
import { FakeOpenAiServer } from '@flowsteer/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { probeLocalServer, resolveRuntime } from '../src/session/runtime.js';
import { registerBuiltins } from '../src/session/builtins.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
let server: FakeOpenAiServer | undefined;
let dir = '';
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

async function closedPort(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}/v1`;
}

const slotsPlugin = join(import.meta.dirname, 'fixtures', 'slots-plugin');

async function host(overrides: Record<string, string> = {}) {
  dir = await mkdtemp(join(tmpdir(), 'flowsteer-runtime-'));
  return bootHost({ cwd: repoRoot, env: {}, overrides, pluginRoots: [], builtins: registerBuiltins }) as unknown as Promise<Parameters<typeof resolveRuntime>[0]>;
}

describe('backend resolution', () => {
  it('falls back to the embedded ONNX policy and the simulator when nothing is configured or listening', async () => {
    const runtime = await resolveRuntime(await host(), { choice: 'auto', events: (await host()).events, probeUrls: [await closedPort()] });
    expect(runtime.kind).toBe('embedded');
    expect(runtime.label).toContain('embedded defaults, no LLM');
    expect(runtime.hint).toContain('executor.baseUrl');
    // The example plugin installed in this workspace adds Retrieve to what the policy is shown.
    expect(runtime.vocabulary.library).toEqual(expect.arrayContaining(['Plan', 'Verify', 'Retrieve']));
    const env = new CanvasEnv({ executor: runtime.executor });
    const observation: Observation = env.reset({ problem: 'What is 6*7?', type: 'math' }).observation;
    const action = await runtime.policy.act(observation, new AbortController().signal);
    expect(action.text).toMatch(/^<action>/);
    expect(runtime.policy.id).toBe('onnx-local');
    await runtime.close();
  });

  it('uses a local OpenAI-compatible server when one answers', async () => {
    server = await FakeOpenAiServer.start();
    expect(await probeLocalServer([await closedPort(), server.baseUrl])).toEqual({ baseUrl: server.baseUrl, model: 'fake-model' });
    const h = await host();
    const runtime = await resolveRuntime(h, { choice: 'auto', events: h.events, probeUrls: [server.baseUrl] });
    expect(runtime.kind).toBe('local-server');
    expect(runtime.label).toContain(`fake-model at ${server.baseUrl} (local server found)`);
    expect(runtime.policy.id).toBe('llm:openai:fake-model');
    await runtime.close();
  });

  it('prefers the configured endpoint, and honours an explicit policy choice', async () => {
    server = await FakeOpenAiServer.start();
    const h = await host({ 'executor.baseUrl': server.baseUrl, 'executor.model': 'exec-model' });
    const runtime = await resolveRuntime(h, { choice: 'template:cot', events: h.events, probeUrls: [] });
    expect(runtime.kind).toBe('configured');
    expect(runtime.label).toContain('openai:exec-model (from config)');
    expect(runtime.policy.id).toBe('template:cot');
    await runtime.close();
    const human = await resolveRuntime(h, { choice: 'human', events: h.events, probeUrls: [] });
    expect(human.policy.id).toBe('human');
    await human.close();
  });
});

describe('slots in the app', () => {
  it('runs the plugin policy policy.use names, per task type', async () => {
    const logDir = await mkdtemp(join(tmpdir(), 'flowsteer-runtime-log-'));
    const log = join(logDir, 'calls.log');
    const h = await host({ 'policy.use': 'scripted', 'plugins.paths': slotsPlugin, 'plugins.options': JSON.stringify({ 'flowsteer-policy-slots': { log } }) });
    const runtime = await resolveRuntime(h, { events: h.events, probeUrls: [await closedPort()] });
    expect(runtime.policy.id).toBe('scripted:any');
    const policy = runtime.createPolicy('code');
    expect(policy.id).toBe('scripted:code');
    const env = new CanvasEnv({ executor: runtime.executor });
    const { observation } = env.reset({ problem: 'Write add(a, b).', type: 'code' });
    expect((await policy.act(observation, new AbortController().signal)).text).toBe('<action>add</action><operator>Plan</operator>');
    expect((await readFile(log, 'utf8')).trim()).toBe('act code');
    await runtime.close();
    await rm(logDir, { recursive: true, force: true });
  });

  it('gives the LLM policy its own backend instance even when only the executor is configured', async () => {
    const h = await host({ 'executor.backend': 'tagged', 'executor.model': 'm', 'policy.use': 'llm', 'plugins.paths': slotsPlugin });
    const runtime = await resolveRuntime(h, { events: h.events, probeUrls: [] });
    expect(runtime.label).toContain('executor tagged#1 (from config)');
    expect(runtime.policy.id).toBe('llm:tagged#2');
    // Every episode's policy shares that one policy backend, never the executor's.
    expect(runtime.createPolicy('math')).not.toBe(runtime.policy);
    await runtime.close();
  });
});
