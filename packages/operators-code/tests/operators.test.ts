import { EventBus, SandboxError, StepInputSchema, UsageLedger, type OperatorContext, type StepInputDraft, type StepOutput } from '@flowsteer/core';
import { OpenAiCompatibleBackend } from '@flowsteer/backends-openai';
import { FakeOpenAiServer, lastUserMessage, type FakeReply } from '@flowsteer/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CODE_OPERATORS, SystemPythonSandbox, plugin, requiredFunction } from '../src/index.js';
import { loadPluginPackage } from '@flowsteer/plugin-testkit';

const sandbox = new SystemPythonSandbox({ pool: 1 });
let server: FakeOpenAiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => sandbox.close());

const byName = (name: string) => {
  const found = CODE_OPERATORS.find((op) => op.name === name);
  if (found === undefined) throw new Error(name);
  return found;
};

async function run(name: string, replies: FakeReply[], input: StepInputDraft, withSandbox = true): Promise<{ out: StepOutput; prompts: string[] }> {
  server = await FakeOpenAiServer.start(replies);
  const ledger = new UsageLedger();
  const ctx: OperatorContext = {
    nodeId: 'node_1', turn: 1, runId: 'r', events: new EventBus(), signal: new AbortController().signal,
    backend: new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: 'coder' }),
    usage: ledger.child({ nodeId: 'node_1', operator: name, turn: 1 }),
    ...(withSandbox ? { sandbox } : {}),
  };
  const out = await byName(name).run(StepInputSchema.parse(input), ctx);
  return { out, prompts: server.requests.map(lastUserMessage) };
}

const fence = (code: string): string => `Here you go:\n\`\`\`python\n${code}\n\`\`\``;

describe('Programmer', () => {
  it('writes solve(), runs it, and returns the value for math', async () => {
    const { out, prompts } = await run('Programmer', [{ content: fence('def solve():\n    return 6 * 7') }], { problem: 'What is 6*7?', problemType: 'math', instruction: 'Use integer arithmetic.' });
    expect(out).toMatchObject({ response: '42', code: 'def solve():\n    return 6 * 7', fields: { output: '42', attempts: '1' } });
    expect(prompts[0]).toContain('[Controller Guidance]\nUse integer arithmetic.');
  });

  it('feeds the error back and repairs on the next attempt', async () => {
    const { out, prompts } = await run('Programmer', [{ content: fence('def solve():\n    return undefined_name') }, { content: fence('def solve():\n    return 42') }], { problem: 'What is 6*7?', problemType: 'math' });
    expect(out.response).toBe('42');
    expect(prompts[1]).toContain("NameError: name 'undefined_name' is not defined");
  });

  it('reports an execution error after its attempts are used up', async () => {
    const { out } = await run('Programmer', [{ content: fence('def solve():\n    return 1/0') }], { problem: 'x', problemType: 'math' });
    expect(out.response).toMatch(/^Execution error: .*ZeroDivisionError: division by zero/s);
  });

  it('returns code for code tasks, checked to define the entry point', async () => {
    const { out } = await run('Programmer', [{ content: fence('def add(a, b):\n    return a + b') }], { problem: 'def add(a, b):\n    """Add."""', problemType: 'code', entryPoint: 'add' });
    expect(out).toMatchObject({ response: 'def add(a, b):\n    return a + b', fields: { output: 'CODE_GENERATED' } });
    expect(requiredFunction(StepInputSchema.parse({ problem: 'def mul(a, b):', problemType: 'code' }))).toBe('mul');
  });

  it('needs a sandbox', async () => {
    await expect(run('Programmer', [{ content: 'x' }], { problem: 'x' }, false)).rejects.toBeInstanceOf(SandboxError);
  });
});

describe('Test', () => {
  const tests = 'assert add(1, 2) == 3\nassert add(-1, 1) == 0';
  it('passes correct code without calling the LLM', async () => {
    const { out, prompts } = await run('Test', [{ content: 'unused' }], { problem: 'add', code: 'def add(a, b):\n    return a + b', tests, entryPoint: 'add', problemType: 'code' });
    expect(out).toMatchObject({ response: 'TEST_PASSED', verdict: { passed: true, feedback: 'TEST_PASSED' } });
    expect(prompts).toHaveLength(0);
  });

  it('repairs failing code from the failure message and returns the fixed code', async () => {
    const { out, prompts } = await run('Test', [{ content: fence('def add(a, b):\n    return a + b') }], { problem: 'add', code: 'def add(a, b):\n    return a - b', tests, entryPoint: 'add', problemType: 'code' });
    expect(prompts[0]).toContain('TEST_FAILED: AssertionError: Expected 3 (type: int), got -1 (type: int) in: assert add(1, 2) == 3');
    expect(out).toMatchObject({ response: 'TEST_PASSED', code: 'def add(a, b):\n    return a + b', verdict: { passed: true } });
  });

  it('fails honestly when repairs do not help', async () => {
    const { out } = await run('Test', [{ content: fence('def add(a, b):\n    pass') }], { problem: 'add', code: 'def add(a, b):\n    return 0', tests, entryPoint: 'add', problemType: 'code' });
    expect(out.verdict?.passed).toBe(false);
    expect(out.response).toMatch(/^TEST_FAILED: AssertionError/);
  });
});

describe('CustomCodeGenerate', () => {
  it('generates code for the entry point without running it', async () => {
    const { out, prompts } = await run('CustomCodeGenerate', [{ content: fence('def mul(a, b):\n    return a * b') }], { problem: 'def mul(a, b):', problemType: 'code' });
    expect(out).toEqual({ response: 'def mul(a, b):\n    return a * b', code: 'def mul(a, b):\n    return a * b' });
    expect(prompts[0]).toContain('a function named `mul`');
  });
});

describe('plugin', () => {
  it('registers the three code operators and the sandboxes', async () => {
    const { registries } = await loadPluginPackage(new URL('..', import.meta.url));
    expect(registries.operators.names()).toEqual(['CustomCodeGenerate', 'Programmer', 'Test']);
    expect(registries.sandboxes.names()).toEqual(['pyodide', 'system-python', 'system-python-numpy']);
    expect(plugin.meta.name).toBe('@flowsteer/operators-code');
  });
});
