import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeOpenAiServer, lastUserMessage, type FakeReply, type RecordedRequest } from '@flowsteer/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { flowsteer } from './helpers.js';

let server: FakeOpenAiServer | undefined;
let dir = '';
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

/** Answers by what each standard operator asks for. */
function executorScript(request: RecordedRequest): FakeReply {
  const prompt = lastUserMessage(request);
  if (prompt.includes('Write a strategy')) return { content: '<plan>Step 1: multiply 6 by 7</plan>' };
  if (prompt.includes('```python code block')) return { content: '```python\ndef solve():\n    return 6 * 7\n```' };
  if (prompt.includes('Solve the problem yourself')) return { content: '<verification_steps>6*7=42</verification_steps><is_correct>false</is_correct><confidence>low</confidence>' };
  if (prompt.includes('Write a corrected solution')) return { content: '<solution>6 * 7 = 42</solution>' };
  if (prompt.includes('Extract only the final answer')) return { content: 'Answer: 42' };
  return { content: 'The answer is 42.' };
}

interface RunJson {
  success: boolean;
  answer: string;
  error?: string;
  backend: string;
  nodes: Array<{ nodeId: string; operator: string; ok: boolean; output?: { response: string }; usage: { totalTokens: number } }>;
  usage: { calls: number; totalTokens: number };
}

describe('flowsteer run', () => {
  it('executes a workflow against an OpenAI-compatible server and reports nodes and usage', async () => {
    server = await FakeOpenAiServer.start(executorScript);
    const result = await flowsteer(['run', '--task', 'What is 6*7?', '--type', 'math', '--workflow', 'Plan -> Programmer -> Verify ? Revise : done -> Format', '--base-url', server.baseUrl, '--model', 'exec', '--prompt', 'node_2=Use integer arithmetic.', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as RunJson;
    expect(report).toMatchObject({ success: true, answer: '42', backend: 'openai:exec' });
    expect(report.nodes.map((n) => `${n.nodeId}:${n.operator}`)).toEqual(['node_1:Plan', 'node_2:Programmer', 'node_3_cond:Verify', 'node_3_true:Revise', 'node_4:Format']);
    expect(report.usage.calls).toBe(5);
    expect(report.usage.totalTokens).toBe(report.nodes.reduce((sum, n) => sum + n.usage.totalTokens, 0));
    const programmerPrompt = server.requests.map(lastUserMessage).find((p) => p.includes('```python code block'));
    expect(programmerPrompt).toContain('[Controller Guidance]\nUse integer arithmetic.');
  });

  it('records a cassette and replays it offline with identical results', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowsteer-run-'));
    const cassette = join(dir, 'run.cassette.jsonl');
    server = await FakeOpenAiServer.start(executorScript);
    const args = ['run', '--task', 'What is 6*7?', '--workflow', '[Custom, AnswerGenerate] -> Aggregate -> Format', '--json'];
    const live = JSON.parse((await flowsteer([...args, '--base-url', server.baseUrl, '--model', 'exec', '--record', cassette])).stdout) as RunJson;
    await server.close();
    server = undefined;
    const replayed = await flowsteer([...args, '--cassette', cassette]);
    expect(replayed.code).toBe(0);
    const report = JSON.parse(replayed.stdout) as RunJson;
    expect(report.answer).toBe(live.answer);
    expect(report.nodes.map((n) => n.output?.response)).toEqual(live.nodes.map((n) => n.output?.response));
    expect(report.backend).toBe(`replay:${cassette}`);
  });

  it('exits 1 with the node error when the backend fails for good', async () => {
    server = await FakeOpenAiServer.start([{ status: 400, body: { error: { message: 'unknown model' } } }]);
    const result = await flowsteer(['run', '--task', 't', '--workflow', 'Custom', '--base-url', server.baseUrl, '--model', 'nope']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('failed: Custom (node_1) failed: backend openai:nope: HTTP 400: unknown model');
    expect(result.stderr).toContain('✗ node_1 Custom');
  });

  it('exits 2 for a bad workflow, an unknown node prompt, or a missing model', async () => {
    const bad = await flowsteer(['run', '--task', 't', '--workflow', 'Custom -> Foo']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Invalid operator: Foo');
    const prompt = await flowsteer(['run', '--task', 't', '--workflow', 'Custom', '--prompt', 'node_9=x', '--model', 'm']);
    expect(prompt.code).toBe(2);
    expect(prompt.stderr).toContain('--prompt node_9: Node node_9 not found');
    const noModel = await flowsteer(['run', '--task', 't', '--workflow', 'Custom'], { env: { OPENAI_MODEL: '' } });
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toContain('no model configured');
  });

  it('runs a code task through Programmer and Test in the pyodide sandbox', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowsteer-run-'));
    const testsFile = join(dir, 'tests.py');
    await writeFile(testsFile, 'assert add(1, 2) == 3\nassert add(-2, 2) == 0\n');
    server = await FakeOpenAiServer.start(() => ({ content: '```python\ndef add(a, b):\n    return a + b\n```' }));
    const result = await flowsteer(['run', '--task', 'def add(a, b):\n    """Return a + b."""', '--type', 'code', '--entry-point', 'add', '--tests', testsFile, '--workflow', 'Programmer -> Test ? Programmer : done', '--base-url', server.baseUrl, '--model', 'coder', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as RunJson & { code: string };
    expect(report.nodes.map((n) => [n.operator, n.output?.response.split('\n')[0]])).toEqual([['Programmer', 'def add(a, b):'], ['Test', 'TEST_PASSED']]);
    expect(report.code).toBe('def add(a, b):\n    return a + b');
  });
});
