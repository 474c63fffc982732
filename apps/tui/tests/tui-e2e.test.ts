import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeOpenAiServer, lastUserMessage, type RecordedRequest, type FakeReply } from '@flowsteer/testing';
import { afterEach, describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', 'dist', 'main.js');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const session = `flowsteer-e2e-${process.pid}`;
let server: FakeOpenAiServer | undefined;
let dir = '';

afterEach(async () => {
  spawnSync('tmux', ['kill-session', '-t', session]);
  await server?.close();
  server = undefined;
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-t', session, '-p');
const keys = (...k: string[]): void => void tmux('send-keys', '-t', session, ...k);

async function waitFor(text: string, timeoutMs = 15_000): Promise<string> {
  const started = Date.now();
  for (;;) {
    const current = screen();
    if (current.includes(text)) return current;
    if (Date.now() - started > timeoutMs) throw new Error(`the screen never showed "${text}":\n${current}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Plays both roles: the Flow-Director (policy prompts) and the executor (operator prompts). */
function script(): (request: RecordedRequest) => FakeReply {
  const actions = ['<action>add</action><operator>Custom</operator>', '<action>add</action><operator>Verify</operator>'];
  let next = 0;
  return (request) => {
    const prompt = lastUserMessage(request);
    if (prompt.includes('## Your Turn')) return { content: `<think>next step</think>${actions[Math.min(next++, actions.length - 1)]}` };
    if (prompt.includes('Your prompt for')) return { content: 'Work it out carefully and give the number.' };
    if (prompt.includes('Solve the problem yourself')) return { content: '<verification_steps>6*7=42</verification_steps><is_correct>true</is_correct><confidence>high</confidence><answer>42</answer>' };
    if (prompt.includes('Extract only the final answer')) return { content: '42' };
    return { content: 'The product of 6 and 7 is 42.' };
  };
}

describe.skipIf(!hasTmux)('flowsteer in a real terminal (tmux)', () => {
  it('types a task, steps three turns, takes over once, finishes, and shows the answer', async () => {
    server = await FakeOpenAiServer.start(script());
    dir = await mkdtemp(join(tmpdir(), 'flowsteer-e2e-'));
    const env = [
      'CI=false',
      `FLOWSTEER_EXECUTOR_BASE_URL=${server.baseUrl}`,
      'FLOWSTEER_EXECUTOR_MODEL=executor-model',
      `FLOWSTEER_POLICY_BACKEND_BASE_URL=${server.baseUrl}`,
      'FLOWSTEER_POLICY_BACKEND_MODEL=director-model',
      'FLOWSTEER_CANVAS_MIN_OPERATORS=1',
      'FLOWSTEER_CANVAS_REQUIRE_CHECKER=false',
      'FLOWSTEER_CANVAS_REQUIRE_STRUCTURE=false',
    ].join(' ');
    tmux('new-session', '-d', '-s', session, '-x', '140', '-y', '50', '-c', dir, `env ${env} ${process.execPath} ${bin}; sleep 5`);
    let text = await waitFor('Give the Flow-Director a task');
    expect(text).toContain('policy llm:openai:director-model · executor openai:executor-model (from config)');
    keys('-l', 'What is 6*7?');
    keys('Enter');
    await waitFor('no turns yet');
    keys('Space');
    await waitFor('turn 1/20');
    keys('Space');
    await waitFor('turn 2/20');
    keys('Space');
    text = await waitFor('turn 3/20');
    expect(text).toContain('action: <action>add</action><operator>Verify</operator>');
    expect(text).toContain('awaiting an operator prompt');
    // Take over: the canvas now waits for Verify's prompt; the person writes it.
    keys('h');
    await waitFor('write the prompt the canvas is waiting for');
    keys('-l', 'Check the product independently.');
    keys('Enter');
    text = await waitFor('turn 4 · you · prompt · accepted');
    expect(text).toContain('Workflow: Custom -> Verify');
    keys('f');
    await waitFor('finished — press r to run the workflow');
    keys('r');
    // The answer renders before the status line changes: wait for the status, then check both.
    text = await waitFor('run complete', 30_000);
    expect(text).toContain('answer: The product of 6 and 7 is 42.');
    keys('q');
  });
});
