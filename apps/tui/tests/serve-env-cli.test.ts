import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { FULL_SCRIPT, FULL_SCRIPT_DSL, FakeOpenAiServer, lastUserMessage } from '@flowsteer/testing';
import { flowsteer, repoRoot, startServeEnv, type ServeEnvProcess } from './helpers.js';

const exampleClient = join(repoRoot, 'packages', 'env-server', 'examples', 'env-client.mjs');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The built binary's serve-env in the repository, once it listens. */
const serveEnv = (args: string[], env: Record<string, string> = {}): Promise<ServeEnvProcess> => startServeEnv(args, { env, cleanups });

async function exampleEpisode(url: string, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)(process.execPath, [exampleClient, url], { env: { PATH: process.env['PATH'] ?? '', ...env } });
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** A real HTTP endpoint that records the reward posts of proxy mode. */
async function rewardSink(): Promise<{ url: string; posts: Array<{ authorization?: string; body: Record<string, unknown> }> }> {
  const posts: Array<{ authorization?: string; body: Record<string, unknown> }> = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      posts.push({ ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }), body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/reward`, posts };
}

/** An executor LLM that writes code for Programmer and answers 42 otherwise. */
function executorReply(request: Parameters<typeof lastUserMessage>[0]): { content: string } {
  const text = JSON.stringify(request.body.messages ?? []);
  if (/python|code/i.test(text)) return { content: '```python\ndef solve():\n    return 42\nprint(solve())\n```' };
  return { content: 'The answer is \\boxed{42}.' };
}

describe('flowsteer serve-env', () => {
  it('serves the test executor to the example client, returns the reward breakdown and stops on SIGTERM', async () => {
    const { url, child, exited } = await serveEnv(['--executor', 'sim']);
    const episode = await exampleEpisode(url);
    expect(episode).toMatchObject({ turns: 12, dsl: FULL_SCRIPT_DSL, structure: 1, released: true, finished: true, rounds: 12 });
    expect(episode['total']).toBe(-1 + 1 + (episode['correctness'] as number));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('executes with the configured executor model and scores its answer', async () => {
    const executor = await FakeOpenAiServer.start((request) => executorReply(request));
    cleanups.push(() => executor.close());
    const { url } = await serveEnv(['--sandbox', 'system-python', '--set', `executor.baseUrl=${executor.baseUrl}`, '--set', 'executor.model=fake-executor']);
    const episode = await exampleEpisode(url);
    expect(executor.requests.length).toBeGreaterThan(5);
    expect(episode).toMatchObject({ structure: 1, released: true, finished: true, correctness: 1, total: 1 });
  });

  it('refuses to start without an executor, and with a bad flag, with exit 2', async () => {
    const missing = await flowsteer(['serve-env', '--port', '0']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--executor sim');
    const bad = await flowsteer(['serve-env', '--executor', 'sim', '--schedule', 'bonus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--schedule must be one of');
  });

  it('needs the bearer token from FLOWSTEER_ENV_TOKEN when it is set', async () => {
    const { url } = await serveEnv(['--executor', 'sim'], { FLOWSTEER_ENV_TOKEN: 'tok-123' });
    await expect(exampleEpisode(url)).rejects.toThrow(/401 UNAUTHORIZED/);
    expect(await exampleEpisode(url, { FLOWSTEER_ENV_TOKEN: 'tok-123' })).toMatchObject({ finished: true });
  });

  it('proxy mode: the policy runs behind the gateway, the reward is posted, the executor never uses the gateway', async () => {
    let turn = 0;
    const gateway = await FakeOpenAiServer.start(() => ({ content: FULL_SCRIPT[turn++] ?? '<action>finish</action>' }));
    const executor = await FakeOpenAiServer.start((request) => executorReply(request));
    cleanups.push(() => gateway.close(), () => executor.close());
    const sink = await rewardSink();
    const { url } = await serveEnv(
      ['--proxy', '--sandbox', 'system-python', '--set', `executor.baseUrl=${executor.baseUrl}`, '--set', 'executor.model=exec', '--set', `policy.backend.baseUrl=${gateway.baseUrl}`, '--set', 'policy.backend.model=policy'],
      { FLOWSTEER_REWARD_URL: sink.url, FLOWSTEER_REWARD_TOKEN: 'reward-secret' },
    );
    const response = await fetch(`${url}/v1/rollout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ task: { problem: 'What is 6*7?', type: 'math', answer: '42' }, rollout: { id: 'rollout-7' } }) });
    const result = (await response.json()) as { reward: number; rewardPosted: boolean; turns: unknown[]; breakdown: { correctness: number; released: boolean } };
    expect(response.status).toBe(200);
    expect(result).toMatchObject({ reward: 1, rewardPosted: true, breakdown: { correctness: 1, released: true } });
    expect(result.turns).toHaveLength(12);
    expect(sink.posts).toEqual([{ authorization: 'Bearer reward-secret', body: expect.objectContaining({ rolloutId: 'rollout-7', reward: 1 }) }]);
    expect(gateway.requests).toHaveLength(12);
    expect(gateway.requests.every((r) => r.body.model === 'policy')).toBe(true);
    expect(executor.requests.length).toBeGreaterThan(5);
    expect(executor.requests.every((r) => r.body.model === 'exec')).toBe(true);
  });

  it('proxy mode refuses an executor that shares the policy gateway', async () => {
    const same = await flowsteer(['serve-env', '--proxy', '--port', '0', '--set', 'executor.baseUrl=http://127.0.0.1:9/v1', '--set', 'executor.model=m', '--set', 'policy.backend.baseUrl=http://127.0.0.1:9/v1']);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('never go through the gateway');
  });
});
