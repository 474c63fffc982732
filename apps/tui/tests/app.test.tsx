import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, FileStore } from '@flowsteer/core';
import { CanvasEnv, TemplatePolicy } from '@flowsteer/canvas';
import { SimulatedExecutor } from '@flowsteer/cwrpo';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { OrchestrationSession } from '../src/session/session.js';
import { App } from '../src/tui/App.js';

let dir = '';
afterEach(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

const wait = (ms = 40) => new Promise((resolve) => setTimeout(resolve, ms));

/** Frames without colour codes (nx forces colour in child processes). */
const plain = (text: string | undefined): string => (text ?? '').replace(/\u001B\[[0-9;]*m/g, '');

async function until(frame: () => string | undefined, text: string, timeoutMs = 5000): Promise<string> {
  const started = Date.now();
  for (;;) {
    const current = plain(frame());
    if (current.includes(text)) return current;
    if (Date.now() - started > timeoutMs) throw new Error(`screen never showed "${text}":\n${current}`);
    await wait(20);
  }
}

async function setup(template = 'plan-program-verify') {
  dir = await mkdtemp(join(tmpdir(), 'flowsteer-app-'));
  const store = new FileStore(dir);
  const exported: string[] = [];
  const start = (problem: string, type: string) =>
    OrchestrationSession.start(
      { problem, type },
      { env: new CanvasEnv({ executor: new SimulatedExecutor() }), policy: TemplatePolicy.named(template), runFinal: async () => ({ answer: 'forty-two', success: true, tokens: 5 }), events: new EventBus(), store, runtime: 'policy template · executor: simulator' },
    );
  const app = render(
    <App start={start} runtimeLabel="policy template · executor: simulator" runtimeHint="set executor.* to use a model" autoDelayMs={5} exportWorkflow={async (s) => { exported.push(s.export('dsl')); return ['/tmp/x.dsl']; }} />,
  );
  return { app, exported };
}

async function startTask(app: ReturnType<typeof render>, task = 'What is 6*7?') {
  await until(app.lastFrame, 'Give the Flow-Director a task');
  app.stdin.write(task);
  await wait();
  app.stdin.write('\r');
  return until(app.lastFrame, 'no turns yet');
}

describe('the flowsteer app', () => {
  it('asks for a task, cycles the type with Tab, and says which runtime is in use', async () => {
    const { app } = await setup();
    let frame = await until(app.lastFrame, 'type: math');
    expect(frame).toContain('policy template · executor: simulator');
    expect(frame).toContain('set executor.* to use a model');
    app.stdin.write('\t');
    frame = await until(app.lastFrame, 'type: qa');
    app.stdin.write('Who wrote Hamlet?');
    await wait();
    app.stdin.write('\r');
    frame = await until(app.lastFrame, 'task [qa]: Who wrote Hamlet?');
    app.unmount();
  });

  it('space steps one turn at a time and the graph updates', async () => {
    const { app } = await setup();
    await startTask(app);
    app.stdin.write(' ');
    let frame = await until(app.lastFrame, 'mode step · turn 1/20');
    expect(frame).toContain('awaiting an operator prompt');
    expect(frame).toContain('action: <action>add</action><operator>Plan</operator>');
    app.stdin.write(' ');
    frame = await until(app.lastFrame, 'node_1       Plan  ✎');
    expect(frame).toContain('turn 2/20');
    app.unmount();
  });

  it('a runs automatically to the end, r runs the workflow and shows the answer', async () => {
    const { app } = await setup();
    await startTask(app);
    app.stdin.write('a');
    let frame = await until(app.lastFrame, 'workflow finished', 8000);
    expect(frame).toContain('Workflow: Plan -> Programmer -> Verify ? Revise : done -> Format');
    expect(frame).toContain('on fail    node_3_true Revise');
    app.stdin.write('r');
    frame = await until(app.lastFrame, 'answer: forty-two');
    app.unmount();
  });

  it('p pauses automatic mode', async () => {
    const { app } = await setup();
    await startTask(app);
    app.stdin.write('a');
    await until(app.lastFrame, 'running automatically');
    app.stdin.write('p');
    const frame = await until(app.lastFrame, 'mode paused');
    const turn = /turn (\d+)\/20/.exec(frame)?.[1];
    await wait(150);
    expect(/turn (\d+)\/20/.exec(plain(app.lastFrame()))?.[1]).toBe(turn);
    app.unmount();
  });

  it('h takes over for one action (shorthand), Esc cancels typing', async () => {
    const { app } = await setup();
    await startTask(app);
    app.stdin.write('h');
    await until(app.lastFrame, 'your action: XML, or add X');
    app.stdin.write('\u001B');
    await until(app.lastFrame, 'space step · a auto');
    app.stdin.write('h');
    await wait();
    app.stdin.write('add Custom');
    await wait();
    app.stdin.write('\r');
    let frame = await until(app.lastFrame, 'turn 1 · you · action · accepted');
    app.stdin.write('h');
    frame = await until(app.lastFrame, 'write the prompt the canvas is waiting for');
    app.stdin.write('Answer with the number only.\r');
    frame = await until(app.lastFrame, 'turn 2 · you · prompt · accepted');
    expect(frame).toContain('Workflow: Custom');
    app.unmount();
  });

  it('e edits a prompt, u undoes, f finishes (or reports why not), x exports', async () => {
    const { app, exported } = await setup();
    await startTask(app);
    app.stdin.write(' ');
    await until(app.lastFrame, 'mode step · turn 1/20');
    app.stdin.write(' ');
    await until(app.lastFrame, 'node_1       Plan');
    app.stdin.write('e');
    await until(app.lastFrame, 'edit a prompt: NODE_ID then the new prompt');
    app.stdin.write('node_1 Outline the multiplication.\r');
    let frame = await until(app.lastFrame, 'prompt of node_1 updated');
    app.stdin.write('u');
    frame = await until(app.lastFrame, 'undid the last turn');
    expect(frame).toContain('turn 2/20');
    app.stdin.write('f');
    frame = await until(app.lastFrame, 'finish rejected: Finish rejected: workflow is too short (1 operators).');
    app.stdin.write('x');
    await until(app.lastFrame, 'exported: /tmp/x.dsl');
    expect(exported).toEqual(['Plan']);
    app.unmount();
  });

  it('q quits', async () => {
    const { app } = await setup();
    await startTask(app);
    const framesBefore = app.frames.length;
    app.stdin.write('q');
    await wait(50);
    // After quitting, keys reach nothing: a step key must not produce a turn.
    app.stdin.write(' ');
    await wait(300);
    const after = app.frames.slice(framesBefore).map(plain).join('\n');
    expect(after).not.toMatch(/turn 1 ·/);
  });
});
