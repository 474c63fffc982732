import { describe, expect, it } from 'vitest';
import {
  NotFoundError,
  RegistryConflictError,
  Tokens,
  bootHost,
  createHostContainer,
  createRegistries,
  loadConfig,
  resolveToken,
  streamFromChat,
  collectStream,
  type BackendSettings,
  type LlmBackend,
} from '../src/index.js';
import { tempDir, writeTree } from './helpers.js';

function recordingBackend(id: string, seen: BackendSettings[]) {
  return (settings: BackendSettings): LlmBackend => {
    seen.push(settings);
    const backend: LlmBackend = {
      id: `${id}:${settings.model ?? 'default'}`,
      async chat(request) {
        return { text: `${id} saw ${request.messages.length} message(s)`, model: settings.model ?? 'default', finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 }, latencyMs: 0 };
      },
      stream: (request) => streamFromChat(backend, request),
    };
    return backend;
  };
}

describe('Registry', () => {
  it('refuses silent overrides and lists known names on a miss', () => {
    const registries = createRegistries();
    registries.backends.register('a', recordingBackend('a', []), 'pkg-a@1');
    expect(() => registries.backends.register('a', recordingBackend('b', []), 'pkg-b@1')).toThrow(RegistryConflictError);
    expect(() => registries.backends.get('zzz')).toThrow(NotFoundError);
    expect(() => registries.backends.get('zzz')).toThrow('unknown backend "zzz"; known: a');
  });
});

describe('host container', () => {
  it('builds the policy and executor backends separately and lazily from config', async () => {
    const registries = createRegistries();
    const seen: BackendSettings[] = [];
    registries.backends.register('fake', recordingBackend('fake', seen), 'test');
    const { config } = await loadConfig({
      cwd: await tempDir(),
      env: {},
      overrides: { 'policy.backend.backend': 'fake', 'policy.backend.model': 'director-8b', 'executor.backend': 'fake', 'executor.model': 'executor-120b' },
    });
    const container = createHostContainer({ config, registries });
    expect(seen).toEqual([]);
    const policyBackend = await resolveToken(container, Tokens.PolicyBackend);
    const executorBackend = await resolveToken(container, Tokens.ExecutorBackend);
    expect(policyBackend.id).toBe('fake:director-8b');
    expect(executorBackend.id).toBe('fake:executor-120b');
    expect(await resolveToken(container, Tokens.PolicyBackend)).toBe(policyBackend);
    expect(seen.map((s) => s.model)).toEqual(['director-8b', 'executor-120b']);
    const result = await collectStream(executorBackend.stream({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(result.text).toBe('fake saw 1 message(s)');
  });

  it('keeps bindings of two hosts apart', async () => {
    const { config } = await loadConfig({ cwd: await tempDir(), env: {} });
    const a = createHostContainer({ config });
    const b = createHostContainer({ config });
    expect(resolveToken(a, Tokens.Registries)).not.toBe(resolveToken(b, Tokens.Registries));
  });

  it('fails with a typed error naming the missing backend', async () => {
    const { config } = await loadConfig({ cwd: await tempDir(), env: {}, overrides: { 'executor.backend': 'nowhere' } });
    const container = createHostContainer({ config });
    await expect(resolveToken(container, Tokens.ExecutorBackend)).rejects.toThrow('unknown backend "nowhere"');
  });

  it('bootHost wires config, plugins from config paths and the store together', async () => {
    const root = await tempDir();
    await writeTree(root, {
      'flowsteer.config.json': { plugins: { paths: ['./fake-backend.js'], scanNodeModules: false }, executor: { backend: 'fake' }, store: { dir: 'state' } },
      'fake-backend.js': `export default { meta: { name: 'fake-backend', version: '0.0.1', apiVersion: 1 }, register(api) { api.registerBackend('fake', () => ({ id: 'fake', chat: async () => ({ text: 'ok', model: 'm', finishReason: 'stop', usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 }, latencyMs: 0 }), stream: async function* () {} })); } };`,
    });
    const host = await bootHost({ cwd: root, env: {} });
    expect(host.plugins.loaded.map((p) => p.name)).toEqual(['fake-backend']);
    const backend = await resolveToken(host.container, Tokens.ExecutorBackend);
    expect((await backend.chat({ messages: [] })).text).toBe('ok');
    const store = resolveToken(host.container, Tokens.Store);
    await store.put('sessions/s1', { ok: true });
    expect(store.location).toBe(`${root}/state`);
    expect(await store.get('sessions/s1')).toEqual({ ok: true });
  });
});
