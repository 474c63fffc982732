import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, envNameFor, loadConfig } from '../src/index.js';
import { tempDir, writeTree } from './helpers.js';

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults when nothing is configured', async () => {
    const { config, file } = await loadConfig({ cwd: await tempDir(), env: {} });
    expect(file).toBeUndefined();
    expect(config.policy.use).toBe('auto');
    expect(config.executor.backend).toBe('openai');
    expect(config.plugins).toEqual({ paths: [], disabled: [], override: [], scanNodeModules: true, loadTimeoutMs: 10_000, options: {} });
    expect({ executor: config.executor.use, canvas: config.canvas.use, trainer: config.trainer.use, sandbox: config.sandbox.use, scorer: config.scorer.use, store: config.store.use }).toEqual({
      executor: 'auto', canvas: 'workflow', trainer: 'cwrpo', sandbox: 'system-python', scorer: 'auto', store: 'file',
    });
    expect(config.canvas).toMatchObject({ maxRounds: 20, minOperators: 5, requireChecker: true, requireStructure: true });
    expect(config.store.dir).toBe('.flowsteer');
  });

  it('layers file < env < flags and records where each key came from', async () => {
    const root = await tempDir();
    await writeTree(root, {
      'flowsteer.config.json': { executor: { backend: 'openai', model: 'file-model', temperature: 0.5 }, plugins: { paths: ['./my-plugin'] } },
      'nested/deeper/.keep': '',
    });
    const { config, file, provenance } = await loadConfig({
      cwd: join(root, 'nested', 'deeper'),
      env: { FLOWSTEER_EXECUTOR_MODEL: 'env-model', FLOWSTEER_PLUGINS_DISABLED: 'a, b', FLOWSTEER_PLUGINS_SCAN_NODE_MODULES: 'false', HOME: '/x' },
      overrides: { 'executor.temperature': '0', 'policy.backend.baseUrl': 'http://127.0.0.1:9/v1' },
    });
    expect(file).toBe(join(root, 'flowsteer.config.json'));
    expect(config.executor).toMatchObject({ backend: 'openai', model: 'env-model', temperature: 0 });
    expect(config.plugins.paths).toEqual(['./my-plugin']);
    expect(config.plugins.disabled).toEqual(['a', 'b']);
    expect(config.plugins.scanNodeModules).toBe(false);
    expect(config.policy.backend.baseUrl).toBe('http://127.0.0.1:9/v1');
    expect(provenance.get('executor.model')).toBe('env FLOWSTEER_EXECUTOR_MODEL');
    expect(provenance.get('executor.temperature')).toBe('flag --set executor.temperature');
    expect(provenance.get('plugins.paths')).toBe(`file ${join(root, 'flowsteer.config.json')}`);
  });

  it('reads per-plugin options as JSON from the environment and rejects a non-object', async () => {
    const root = await tempDir();
    const { config } = await loadConfig({ cwd: root, env: { FLOWSTEER_PLUGINS_OPTIONS: '{"flowsteer-operator-bm25":{"documents":"./docs","topK":3}}' } });
    expect(config.plugins.options).toEqual({ 'flowsteer-operator-bm25': { documents: './docs', topK: 3 } });
    await expect(loadConfig({ cwd: root, env: { FLOWSTEER_PLUGINS_OPTIONS: '{"flowsteer-operator-bm25": 3}' } })).rejects.toThrow(/plugins\.options\.flowsteer-operator-bm25/);
  });

  it('maps camelCase paths to SCREAMING_SNAKE environment names', () => {
    expect(envNameFor('policy.backend.baseUrl')).toBe('FLOWSTEER_POLICY_BACKEND_BASE_URL');
    expect(envNameFor('plugins.loadTimeoutMs')).toBe('FLOWSTEER_PLUGINS_LOAD_TIMEOUT_MS');
  });

  it('names the bad key and its source for a wrong type in the file', async () => {
    const root = await tempDir();
    await writeTree(root, { 'flowsteer.config.json': { executor: { backend: 'openai', temperature: 'warm' } } });
    const error = await configError(loadConfig({ cwd: root, env: {} }));
    expect(error.key).toBe('executor.temperature');
    expect(error.source).toBe(`file ${join(root, 'flowsteer.config.json')}`);
    expect(error.message).toMatch(/config key "executor.temperature" \(from file .*\): .*number/);
  });

  it('rejects unknown keys in the file and flags, and warns about (then ignores) unknown environment variables', async () => {
    const root = await tempDir();
    await writeTree(root, { 'flowsteer.config.json': { executor: { backend: 'openai', modle: 'typo' } } });
    expect((await configError(loadConfig({ cwd: root, env: {} }))).key).toBe('executor.modle');
    const clean = await tempDir();
    // Another tool's variable sharing the prefix must not stop every command.
    const warned = await loadConfig({ cwd: clean, env: { FLOWSTEER_EXECUTOR_MODLE: 'x', FLOWSTEER_EXECUTOR_MODEL: 'm' } });
    expect(warned.warnings).toEqual([expect.stringContaining('ignoring unknown environment variable FLOWSTEER_EXECUTOR_MODLE')]);
    expect(warned.config.executor.model).toBe('m');
    expect((await loadConfig({ cwd: clean, env: {} })).warnings).toEqual([]);
    const flagError = await configError(loadConfig({ cwd: clean, env: {}, overrides: { 'executer.model': 'x' } }));
    expect(flagError.key).toBe('executer.model');
    expect(flagError.source).toBe('flag --set executer.model');
  });

  it('rejects values out of range and malformed env values with the variable name', async () => {
    const cwd = await tempDir();
    const range = await configError(loadConfig({ cwd, env: { FLOWSTEER_EXECUTOR_TEMPERATURE: '7' } }));
    expect(range.key).toBe('executor.temperature');
    expect(range.source).toBe('env FLOWSTEER_EXECUTOR_TEMPERATURE');
    const bool = await configError(loadConfig({ cwd, env: { FLOWSTEER_PLUGINS_SCAN_NODE_MODULES: 'maybe' } }));
    expect(bool.message).toContain('expected true or false');
    const url = await configError(loadConfig({ cwd, env: {}, overrides: { 'executor.baseUrl': 'not a url' } }));
    expect(url.key).toBe('executor.baseUrl');
  });

  it('reports unreadable and non-JSON config files', async () => {
    const root = await tempDir();
    await writeTree(root, { 'bad.json': '{ "executor": ', 'list.json': '[1]' });
    expect((await configError(loadConfig({ cwd: root, env: {}, file: 'bad.json' }))).message).toContain('is not valid JSON');
    expect((await configError(loadConfig({ cwd: root, env: {}, file: 'list.json' }))).message).toContain('must contain a JSON object');
    expect((await configError(loadConfig({ cwd: root, env: { FLOWSTEER_CONFIG: 'missing.json' } }))).message).toContain('cannot read config file');
  });

  it('validates sections contributed by other packages', async () => {
    const cwd = await tempDir();
    const sections = { canvas: z.object({ maxRounds: z.number().int().min(1).default(20) }).strict().prefault({}) };
    const ok = await loadConfig({ cwd, env: { FLOWSTEER_CANVAS_MAX_ROUNDS: '12' }, sections });
    expect(ok.config.canvas.maxRounds).toBe(12);
    const error = await configError(loadConfig({ cwd, env: {}, overrides: { 'canvas.maxRounds': '0' }, sections }));
    expect(error.key).toBe('canvas.maxRounds');
  });
});
