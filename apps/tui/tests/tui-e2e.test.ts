import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeOpenAiServer, lastUserMessage, type RecordedRequest, type FakeReply } from '@flowsteer/testing';
import { afterEach, describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', 'dist', 'main.js');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
// A tmux server of our own per test: its options (clipboard) and sessions touch nothing else,
// and a server still shutting down from the previous test is never reused.
let serial = 0;
let socket = `flowsteer-e2e-${process.pid}-0`;
const target = 'app';
let server: FakeOpenAiServer | undefined;
let dir = '';

afterEach(async () => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  await server?.close();
  server = undefined;
  if (dir !== '') await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  dir = '';
});

const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = (pane = target): string => tmux('capture-pane', '-t', pane, '-p');
const keys = (...k: string[]): void => void tmux('send-keys', '-t', target, ...k);

async function waitFor(text: string | RegExp, options: { timeoutMs?: number; pane?: string } = {}): Promise<string> {
  const started = Date.now();
  for (;;) {
    const current = screen(options.pane);
    if (typeof text === 'string' ? current.includes(text) : text.test(current)) return current;
    if (Date.now() - started > (options.timeoutMs ?? 20_000)) throw new Error(`the screen never showed "${String(text)}":\n${current}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ESC = '\u001b';
const BEL = '\u0007';
const HOSTILE_ANSWER = `The answer ${ESC}]0;PWNED${BEL}${ESC}[41;97mis${ESC}[0m ${ESC}]8;;https://evil.example${ESC}\\42${ESC}]8;;${ESC}\\${ESC}]52;c;cGF5bG9hZA==${BEL}`;

interface ScriptOptions {
  /** The policy's calls never get an answer. */
  hangPolicy?: () => boolean;
  /** Executor calls never get an answer. */
  hangExecutor?: () => boolean;
  answer?: string;
}

/**
 * Plays both roles: the Flow-Director (policy prompts) and the executor (operator prompts). The
 * Flow-Director builds a workflow the default finish rules accept: five operators, a checker and a
 * structure.
 */
function script(options: ScriptOptions = {}): (request: RecordedRequest) => FakeReply {
  const actions = [
    '<action>add</action><operator>Plan</operator>',
    '<action>add</action><operator>Custom</operator>',
    '<action>add</action><structure>conditional</structure><condition>Review</condition><true>Revise</true><false>done</false>',
    '<action>add</action><operator>Format</operator>',
    '<action>finish</action>',
  ];
  let next = 0;
  return (request) => {
    const prompt = lastUserMessage(request);
    const policyCall = prompt.includes('## Your Turn') || prompt.includes('Your prompt for');
    if (policyCall && options.hangPolicy?.() === true) return { hang: true };
    if (!policyCall && options.hangExecutor?.() === true) return { hang: true };
    if (prompt.includes('## Your Turn')) return { content: `<think>next step</think>${actions[Math.min(next++, actions.length - 1)]}` };
    if (prompt.includes('Your prompt for')) return { content: 'Work it out carefully and give the number.' };
    if (prompt.includes('Review the solution critically')) return { content: '<review_result>true</review_result><feedback>fine</feedback>' };
    if (prompt.includes('Solve the problem yourself')) return { content: '<verification_steps>6*7=42</verification_steps><is_correct>true</is_correct><confidence>high</confidence><answer>42</answer>' };
    if (prompt.includes('Extract only the final answer')) return { content: options.answer ?? '42' };
    return { content: options.answer ?? 'The product of 6 and 7 is 42.' };
  };
}

async function open(args: string[], options: ScriptOptions & { size?: [number, number]; env?: string[] } = {}): Promise<void> {
  server = await FakeOpenAiServer.start(script(options));
  dir = await mkdtemp(join(tmpdir(), 'flowsteer-e2e-'));
  await writeFile(join(dir, 'package.json'), '{"name":"e2e","private":true}');
  const env = [
    'CI=false',
    `FLOWSTEER_EXECUTOR_BASE_URL=${server.baseUrl}`,
    'FLOWSTEER_EXECUTOR_MODEL=executor-model',
    `FLOWSTEER_POLICY_BACKEND_BASE_URL=${server.baseUrl}`,
    'FLOWSTEER_POLICY_BACKEND_MODEL=director-model',
    ...(options.env ?? []),
  ].join(' ');
  const [columns, rows] = options.size ?? [140, 50];
  socket = `flowsteer-e2e-${process.pid}-${++serial}`;
  tmux('new-session', '-d', '-s', 'e2e', '-n', target, '-x', String(columns), '-y', String(rows), '-c', dir, `env ${env} ${process.execPath} ${bin} ${args.join(' ')}; echo "EXIT=$?"; sleep 60`);
  tmux('set-option', '-g', 'set-clipboard', 'on');
}

async function savedSessions(): Promise<Array<{ id: string; final?: unknown; turns: unknown[]; task: { problem: string } }>> {
  const files = (await readdir(join(dir, '.flowsteer', 'sessions'))).filter((f) => f.endsWith('.json'));
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, '.flowsteer', 'sessions', f), 'utf8')) as { id: string; final?: unknown; turns: unknown[]; task: { problem: string } }));
}

describe.skipIf(!hasTmux)('flowsteer in a real terminal (tmux)', () => {
  it('types a task, steps three turns, takes over once, is refused an early finish, runs to the end, shows the answer, and quits with the resume command', async () => {
    await open(['tui']);
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
    expect(text).toContain('action: <action>add</action><operator>Custom</operator>');
    expect(text).toContain('awaiting a prompt');
    keys('h');
    await waitFor('write the prompt the canvas is waiting for');
    keys('-l', 'Check the product independently.');
    keys('Enter');
    // The turn is drawn before the take-over ends; its status line says the keys are live again.
    text = await waitFor('your turn: accepted');
    expect(text).toContain('turn 4 · you · prompt · accepted');
    expect(text).toContain('Plan -> Custom');
    // Two operators are not a finished workflow under the default rules: said now, no round spent.
    keys('f');
    text = await waitFor('cannot finish yet:');
    expect(text).toContain('turn 4/20');
    // The Flow-Director goes on by itself until it finishes.
    keys('a');
    text = await waitFor('workflow finished — press r to run it', { timeoutMs: 30_000 });
    expect(text).toContain('Plan -> Custom -> Review ? Revise : done -> Format');
    keys('r');
    // The status line is drawn after the answer: wait for it, not for the answer.
    text = await waitFor('run complete', { timeoutMs: 30_000 });
    expect(text).toContain('answer: 42');
    keys('t');
    text = await waitFor('Trace of Plan -> Custom -> Review ? Revise : done -> Format');
    expect(text).toMatch(/✓ node_1 Plan · \d+ tokens · \d+ ms/);
    keys('Escape');
    await waitFor(/Workflow · \d+ nodes/);
    keys('q');
    text = await waitFor('EXIT=0');
    const [saved] = await savedSessions();
    expect(text).toContain(`session ${saved?.id} saved — resume with: flowsteer tui --resume ${saved?.id}`);
  });

  it('Esc cancels a turn whose policy server never answers; q then quits at once, saving nothing false', async () => {
    let hang = true;
    await open(['tui', '--task', "'What is 6*7?'"], { hangPolicy: () => hang });
    await waitFor('no turns yet');
    keys('Space');
    await waitFor(/policy turn \d+\.\ds/);
    keys('Escape');
    await waitFor('policy turn cancelled — nothing was saved from it');
    keys('Space');
    await waitFor(/policy turn \d+\.\ds/);
    const pressed = Date.now();
    keys('q');
    const text = await waitFor('EXIT=0');
    const quitMs = Date.now() - pressed;
    // Measured, not a speed claim: it must not be the request timeout (minutes).
    console.log(`q while the policy call hangs: exited after ${quitMs} ms`);
    expect(quitMs).toBeLessThan(10_000);
    expect(text).toContain('resume with: flowsteer tui --resume');
    const [saved] = await savedSessions();
    expect(saved?.turns).toEqual([]);
    hang = false;
    expect(server?.requests.length).toBe(2);
  });

  it('Ctrl-C during a run whose executor hangs exits 130 and saves no answer', async () => {
    let hangExecutor = false;
    await open(['tui', '--task', "'What is 6*7?'"], { hangExecutor: () => hangExecutor });
    await waitFor('no turns yet');
    keys('Space');
    await waitFor('turn 1/20');
    keys('Space');
    await waitFor('turn 2 ·');
    hangExecutor = true;
    keys('r');
    await waitFor(/running node_\d+ Plan/, { timeoutMs: 30_000 });
    keys('C-c');
    const text = await waitFor(/EXIT=\d+/);
    expect(text).toContain('EXIT=130');
    const [saved] = await savedSessions();
    expect(saved?.final).toBeUndefined();
  });

  it('a hostile answer leaves the title, colours and clipboard alone', async () => {
    await open(['tui', '--task', "'What is 6*7?'"], { answer: HOSTILE_ANSWER });
    const titleBefore = tmux('display-message', '-p', '-t', target, '#{pane_title}');
    await waitFor('no turns yet');
    keys('Space');
    await waitFor('turn 1/20');
    keys('Space');
    await waitFor('turn 2 ·');
    keys('r');
    const text = await waitFor('answer: The answer is 42', { timeoutMs: 30_000 });
    expect(text).toContain('FlowSteer · session'); // not cleared
    expect(tmux('display-message', '-p', '-t', target, '#{pane_title}')).toBe(titleBefore);
    expect(tmux('display-message', '-p', '-t', target, '#{pane_title}')).not.toContain('PWNED');
    // No background colour 41 on the screen, no link, no clipboard write.
    const styled = tmux('capture-pane', '-t', target, '-p', '-e');
    expect(styled).not.toMatch(/\u001b\[[0-9;]*41[;m]/);
    expect(styled).not.toContain('evil.example');
    expect(spawnSync('tmux', ['-L', socket, 'show-buffer']).stdout.toString()).not.toContain('payload');
    keys('q');
    await waitFor('EXIT=0');
  });

  it('keeps a bracketed multi-line paste, fits 60x20, and locks the session against a second app', async () => {
    await open(['tui'], { size: [60, 20] });
    await waitFor('Give the Flow-Director a task');
    await writeFile(join(dir, 'paste.txt'), 'Line one of the task\nline two of the task');
    tmux('load-buffer', '-b', 'task', join(dir, 'paste.txt'));
    tmux('paste-buffer', '-p', '-b', 'task', '-t', target);
    await waitFor('line two of the task');
    keys('Enter');
    let text = await waitFor('no turns yet');
    const lines = text.split('\n');
    expect(lines[0]).toContain('FlowSteer · session');
    expect(text).toMatch(/step · turn 0\/20/);
    keys('Space');
    text = await waitFor('turn 1/20');
    const [saved] = await savedSessions();
    expect(saved?.task.problem).toBe('Line one of the task\nline two of the task');
    // A second app on the same session is refused while the first one runs.
    tmux('new-window', '-t', 'e2e', '-n', 'second', '-c', dir, `env CI=false ${process.execPath} ${bin} tui --resume ${saved?.id}; echo "EXIT=$?"; sleep 60`);
    text = await waitFor(/EXIT=\d+/, { pane: 'second' });
    expect(text.replace(/\n/g, '')).toContain(`session ${saved?.id} is open in another flowsteer`);
    expect(text).toContain('EXIT=1');
    keys('q');
    await waitFor('EXIT=0');
  });

  it('Ctrl-G hands the text to $EDITOR and takes back what it wrote', async () => {
    const editorDir = await mkdtemp(join(tmpdir(), 'flowsteer-editor-'));
    const editor = join(editorDir, 'fake-editor.sh');
    // An editor that appends a second line to whatever it is given.
    await writeFile(editor, '#!/bin/sh\nprintf "\\nand explain why" >> "$1"\n', { mode: 0o755 });
    try {
      await open(['tui'], { env: [`EDITOR=${editor}`] });
      await waitFor('Give the Flow-Director a task');
      keys('-l', 'What is 6*7?');
      keys('C-g');
      await waitFor('and explain why');
      keys('Enter');
      await waitFor('no turns yet');
      const [saved] = await savedSessions();
      expect(saved?.task.problem).toBe('What is 6*7?\nand explain why');
      keys('q');
      await waitFor('EXIT=0');
    } finally {
      await rm(editorDir, { recursive: true, force: true });
    }
  });
});
