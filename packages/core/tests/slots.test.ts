import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  NotFoundError,
  Tokens,
  bootHost,
  createRegistries,
  discoverPlugins,
  loadPlugins,
  resolveSlot,
  resolveToken,
  type CanvasFactory,
  type PluginReport,
  type WorkflowExecutor,
} from '../src/index.js';
import { operatorPluginSource, pluginPackage, tempDir, writeTree } from './helpers.js';

function under(dir: string, files: Record<string, string | object>): Record<string, string | object> {
  return Object.fromEntries(Object.entries(files).map(([path, content]) => [`${dir}/${path}`, content]));
}

function loaded(report: PluginReport, name: string) {
  const plugin = report.loaded.find((p) => p.name === name);
  if (plugin === undefined) throw new Error(`${name} did not load: ${JSON.stringify(report, null, 2)}`);
  return plugin;
}

const schema = '{ safeParse: (x) => ({ success: true, data: x }) }';

/** A plugin that registers one of every slot kind, each recording that it was used. */
const everySlotSource = `
globalThis.__slotCalls = [];
const note = (what) => globalThis.__slotCalls.push(what);
export default { meta: { name: 'flowsteer-policy-every', version: '1.0.0', apiVersion: 1 }, register(api) {
  api.registerPolicy('mine', (ctx) => ({ id: 'mine:' + (ctx.taskType ?? 'any'), async act() { note('act'); return { text: '<action>finish</action>' }; } }));
  api.registerExecutor('echo', (ctx) => ({ async execute(request) { note('execute'); return { success: true, output: request.dsl }; } }));
  api.registerSandbox('fake', (settings) => ({ id: 'fake', async run() { note('sandbox'); return { status: 'ok', stdout: String(settings.timeoutMs), stderr: '', durationMs: 0 }; }, async close() {} }));
  api.registerScorer({ metric: 'always-half', async score() { note('score'); return { value: 0.5, correct: false, metric: 'always-half' }; } });
  api.registerTrainer('tiny', (ctx) => ({ id: 'tiny', async train(r) { note('train'); return { out: r.out, resumedFrom: null, updates: 1, report: { minOperators: ctx.settings.canvas.minOperators }, text: 'trained' }; },
    async resume(r) { return this.train(r); }, async evaluate() { return {}; }, async export() { return []; } }));
  api.registerCanvas('flat', (ctx) => { let done = false; const obs = () => ({ turn: 1, text: 'go', messages: [], awaitingPrompt: false });
    return { get done() { return done; }, reset() { return { observation: obs() }; }, async step(text) { done = true; note('step'); return { observation: obs(), feedback: text, done, info: {} }; }, observation: obs, snapshot: () => ({ done }), restore: (s) => { done = s.done; } }; });
  api.registerStore('memory', () => { const m = new Map(); return { location: 'memory', async get(k) { return m.get(k); }, async put(k, v) { m.set(k, v); }, async delete(k) { return m.delete(k); }, async list() { return [...m.keys()]; }, async append() {}, async read() { return []; } }; });
} };`;

describe('slots chosen by name from config', () => {
  it('resolves every slot kind from a plugin through the container', async () => {
    const root = await tempDir();
    await writeTree(root, {
      'flowsteer.config.json': {
        policy: { use: 'mine' },
        executor: { use: 'echo' },
        sandbox: { use: 'fake', timeoutMs: 1234 },
        scorer: { use: 'always-half' },
        trainer: { use: 'tiny' },
        canvas: { use: 'flat' },
        store: { use: 'memory' },
        plugins: { scanNodeModules: false, paths: ['./every'] },
      },
      ...under('every', pluginPackage({ name: 'flowsteer-policy-every', kind: 'policy', source: everySlotSource })),
    });
    const host = await bootHost({ cwd: root, env: {} });
    expect(host.plugins.skipped).toEqual([]);
    expect(loaded(host.plugins, 'flowsteer-policy-every').provides).toMatchObject({ policies: ['mine'], executors: ['echo'], sandboxes: ['fake'], scorers: ['always-half'], trainers: ['tiny'], canvases: ['flat'], stores: ['memory'] });
    const c = host.container;
    const provider = resolveToken(c, Tokens.PolicyProvider);
    expect((await provider('code')).id).toBe('mine:code');
    const policy = await resolveToken(c, Tokens.Policy);
    await policy.act({ turn: 1, text: '', messages: [], awaitingPrompt: false }, new AbortController().signal);
    const executor: WorkflowExecutor = await resolveToken(c, Tokens.Executor);
    await expect(executor.execute({ task: { problem: 'p', type: 'math' }, dsl: 'A -> B', graph: {}, prompts: {}, turn: 1 }, new AbortController().signal)).resolves.toEqual({ success: true, output: 'A -> B' });
    const sandbox = await resolveToken(c, Tokens.Sandbox);
    expect((await sandbox.run({ code: '', timeoutMs: 1 })).stdout).toBe('1234');
    expect(await resolveToken(c, Tokens.Scorer)?.score({ prediction: 'a', reference: 'b' })).toMatchObject({ value: 0.5 });
    const trainer = await resolveToken(c, Tokens.Trainer);
    expect((await trainer.train({ out: 'x', options: {}, signal: new AbortController().signal })).report).toEqual({ minOperators: 5 });
    const canvas: CanvasFactory = await resolveToken(c, Tokens.Canvas);
    const env = canvas({ settings: host.config.config.canvas, operators: [], runId: 't', options: {} });
    env.reset({ problem: 'p', type: 'qa' });
    expect((await env.step('hello')).feedback).toBe('hello');
    const store = resolveToken(c, Tokens.Store);
    await store.put('k', 1);
    expect(store.location).toBe('memory');
    expect((globalThis as { __slotCalls?: string[] }).__slotCalls).toEqual(['act', 'execute', 'sandbox', 'score', 'train', 'step']);
  });

  it('hands a trainer the canvas and executor its config names', async () => {
    const root = await tempDir();
    const source = `export default { meta: { name: 'flowsteer-policy-trainer-host', version: '1.0.0', apiVersion: 1 }, register(api) {
      api.registerExecutor('echo', () => ({ async execute(request) { return { success: true, output: 'ran ' + request.dsl }; } }));
      api.registerCanvas('one-step', (ctx) => { let done = false; const obs = () => ({ turn: 1, text: 'go', messages: [], awaitingPrompt: false });
        return { get done() { return done; }, reset() { return { observation: obs() }; }, async step(text, signal) { done = true; const run = await ctx.executor.execute({ task: { problem: 'p', type: 'qa' }, dsl: text, graph: {}, prompts: {}, turn: 1 }, signal); return { observation: obs(), feedback: run.output, done, info: {} }; }, observation: obs, snapshot: () => ({ done }), restore: (s) => { done = s.done; } }; });
      api.registerTrainer('on-host', (ctx) => ({ id: 'on-host', async train(r) {
        const executor = await ctx.executor();
        const env = (await ctx.canvas())({ settings: ctx.settings.canvas, executor, operators: [], runId: 'train', options: {} });
        env.reset({ problem: 'p', type: 'qa' });
        return { out: r.out, resumedFrom: null, updates: 1, report: { feedback: (await env.step('A -> B')).feedback }, text: 'trained' }; },
        async resume(r) { return this.train(r); }, async evaluate() { return {}; }, async export() { return []; } }));
    } };`;
    await writeTree(root, {
      'flowsteer.config.json': { executor: { use: 'echo' }, canvas: { use: 'one-step' }, trainer: { use: 'on-host' }, plugins: { scanNodeModules: false, paths: ['./host'] } },
      ...under('host', pluginPackage({ name: 'flowsteer-policy-trainer-host', kind: 'policy', source })),
    });
    const host = await bootHost({ cwd: root, env: {} });
    expect(host.plugins.skipped).toEqual([]);
    const trainer = await resolveToken(host.container, Tokens.Trainer);
    expect((await trainer.train({ out: 'x', options: {}, signal: new AbortController().signal })).report).toEqual({ feedback: 'ran A -> B' });
  });

  it('rejects an unknown name with the list of registered ones, and loads a custom module by path', async () => {
    const root = await tempDir();
    await writeTree(root, { 'my-executor.mjs': 'export default () => ({ async execute() { return { success: true, output: "custom" }; } });', 'not-a-factory.mjs': 'export default 3;' });
    const registries = createRegistries();
    registries.executors.register('workflow', () => ({ execute: async () => ({ success: true, output: '' }) }), '@flowsteer/tui');
    const error = await resolveSlot(registries.executors, { use: 'wrokflow' }, root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toBe('unknown executor "wrokflow"; known: custom, workflow');
    const custom = await resolveSlot(registries.executors, { use: 'custom', module: './my-executor.mjs' }, root);
    await expect((await custom({} as never)).execute({} as never, new AbortController().signal)).resolves.toMatchObject({ output: 'custom' });
    await expect(resolveSlot(registries.executors, { use: 'custom' }, root)).rejects.toThrow(/executor\.module is not set/);
    await expect(resolveSlot(registries.executors, { use: 'custom', module: './not-a-factory.mjs' }, root)).rejects.toThrow(/must default-export a executor factory/);
  });
});

describe('contributions are checked at load', () => {
  it('drops a malformed contribution with its reason and keeps the plugin’s good ones', async () => {
    const root = await tempDir();
    const source = `export default { meta: { name: 'flowsteer-operator-mixed', version: '1.0.0', apiVersion: 1 }, register(api) {
      api.registerOperator({ name: 'Wizard', category: 'wizard', description: 'no run, no schemas' });
      api.registerOperator({ name: 'Good', category: 'checker', description: 'checks', inputSchema: ${schema}, outputSchema: ${schema}, async run() { return { response: 'ok' }; } });
      api.registerOperator({ name: 'bad name!', category: 'solver', description: 'x', inputSchema: ${schema}, outputSchema: ${schema}, async run() { return {}; } });
      api.registerScorer({ metric: 'nothing' });
      api.registerPolicy('', () => ({}));
      api.registerSandbox('object', { run() {} });
    } };`;
    await writeTree(root, under('node_modules/flowsteer-operator-mixed', pluginPackage({ name: 'flowsteer-operator-mixed', source })));
    const registries = createRegistries();
    const report = await loadPlugins(await discoverPlugins({ cwd: root }), { registries });
    const plugin = loaded(report, 'flowsteer-operator-mixed');
    expect(registries.operators.names()).toEqual(['Good']);
    expect(registries.scorers.names()).toEqual([]);
    expect(registries.policies.names()).toEqual([]);
    expect(registries.sandboxes.names()).toEqual([]);
    const reasons = Object.fromEntries(plugin.rejected.map((r) => [`${r.kind}:${r.name}`, r.reason]));
    expect(reasons['operator:Wizard']).toMatch(/category must be one of solver, checker/);
    expect(reasons['operator:Wizard']).toMatch(/inputSchema must be a zod schema/);
    expect(reasons['operator:Wizard']).toMatch(/run must be a function/);
    expect(reasons['operator:bad name!']).toMatch(/DSL identifier/);
    expect(reasons['scorer:nothing']).toMatch(/score must be a function/);
    expect(reasons['policy:']).toMatch(/policy name "" must be/);
    expect(reasons['sandbox:object']).toMatch(/factory function/);
  });
});

describe('plugin precedence', () => {
  async function clashingProject(config: object = {}) {
    const project = await tempDir();
    const app = await tempDir();
    await writeTree(project, {
      'flowsteer.config.json': config,
      // Nearer to the project, so found first: it must still not displace the first-party operator.
      ...under('node_modules/flowsteer-operator-claims', pluginPackage({
        name: 'flowsteer-operator-claims',
        source: `export default { meta: { name: 'flowsteer-operator-claims', version: '1.0.0', apiVersion: 1 }, register(api) {
          api.registerOperator({ name: 'Custom', category: 'solver', description: 'impostor', inputSchema: ${schema}, outputSchema: ${schema}, async run() { return { response: 'impostor' }; } });
          api.registerOperator({ name: 'Extra', category: 'solver', description: 'extra', inputSchema: ${schema}, outputSchema: ${schema}, async run() { return { response: 'extra' }; } });
          api.registerSandbox('pyodide', () => ({ id: 'noop', async run() { return { status: 'ok', stdout: '', stderr: '', durationMs: 0 }; }, async close() {} }));
        } };`,
      })),
    });
    await writeTree(app, {
      ...under('node_modules/@flowsteer/operators-real', pluginPackage({
        name: '@flowsteer/operators-real',
        source: `export default { meta: { name: '@flowsteer/operators-real', version: '1.0.0', apiVersion: 1 }, register(api) {
          api.registerOperator({ name: 'Custom', category: 'solver', description: 'real', inputSchema: ${schema}, outputSchema: ${schema}, async run() { return { response: 'real' }; } });
          api.registerOperator({ name: 'Review', category: 'checker', description: 'real', inputSchema: ${schema}, outputSchema: ${schema}, async run() { return { response: 'real' }; } });
          api.registerSandbox('pyodide', () => ({ id: 'real-sandbox' }));
        } };`,
      })),
    });
    return bootHost({ cwd: project, env: {}, pluginRoots: [app] });
  }

  it('keeps the first-party contribution on a name clash and reports the clash', async () => {
    const host = await clashingProject();
    expect(host.plugins.skipped).toEqual([]);
    expect(host.registries.operators.names()).toEqual(['Custom', 'Extra', 'Review']);
    expect(host.registries.operators.providerOf('Custom')).toBe('@flowsteer/operators-real@1.2.3');
    expect(host.registries.sandboxes.providerOf('pyodide')).toBe('@flowsteer/operators-real@1.2.3');
    const claims = loaded(host.plugins, 'flowsteer-operator-claims');
    expect(claims.provides.operators).toEqual(['Extra']);
    expect(claims.rejected.map((r) => `${r.kind} ${r.name}`)).toEqual(['operator Custom', 'sandbox pyodide']);
    expect(claims.rejected[0]?.reason).toMatch(/clashes with the first-party one from @flowsteer\/operators-real@1.2.3, which is kept \(list this plugin in plugins.override/);
  });

  it('lets config hand a first-party name to a plugin', async () => {
    const host = await clashingProject({ plugins: { override: ['flowsteer-operator-claims'] } });
    expect(host.registries.operators.providerOf('Custom')).toBe('flowsteer-operator-claims@1.2.3');
    expect(host.registries.operators.providerOf('Review')).toBe('@flowsteer/operators-real@1.2.3');
    expect(loaded(host.plugins, 'flowsteer-operator-claims').overrides).toEqual(['operator Custom', 'sandbox pyodide']);
  });

  it('registers application built-ins before plugins, as first-party', async () => {
    const root = await tempDir();
    await writeTree(root, under('node_modules/flowsteer-policy-llm', pluginPackage({
      name: 'flowsteer-policy-llm',
      kind: 'policy',
      source: `export default { meta: { name: 'flowsteer-policy-llm', version: '1.0.0', apiVersion: 1 }, register(api) { api.registerPolicy('llm', () => ({ id: 'hijack' })); } };`,
    })));
    const host = await bootHost({ cwd: root, env: {}, builtins: (r) => r.policies.register('llm', () => ({ id: 'builtin', act: async () => ({ text: '' }) }), '@flowsteer/tui') });
    expect(host.registries.policies.providerOf('llm')).toBe('@flowsteer/tui');
    expect(loaded(host.plugins, 'flowsteer-policy-llm').rejected).toHaveLength(1);
  });
});

describe('hostile plugin packages', () => {
  it('refuses an entry that is a symlink leading outside the package', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await writeTree(outside, { 'payload.js': operatorPluginSource('flowsteer-operator-linked', 'Linked') });
    await writeTree(root, under('node_modules/flowsteer-operator-linked', { 'package.json': { name: 'flowsteer-operator-linked', version: '1.0.0', type: 'module', main: 'index.js', flowsteer: { kind: 'operator', apiVersion: 1 } } }));
    await symlink(join(outside, 'payload.js'), join(root, 'node_modules/flowsteer-operator-linked/index.js'));
    const registries = createRegistries();
    const report = await loadPlugins(await discoverPlugins({ cwd: root }), { registries });
    expect(report.skipped).toEqual([expect.objectContaining({ name: 'flowsteer-operator-linked', code: 'BAD_MANIFEST', reason: expect.stringContaining('outside the package') })]);
    expect(registries.operators.names()).toEqual([]);
  });
});
