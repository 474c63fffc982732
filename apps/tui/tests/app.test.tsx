import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbortError, EventBus, FileStore, type CanvasEnvironment, type Observation, type Policy, type PolicyOutput } from '@flowsteer/core';
import { CanvasEnv, TemplatePolicy } from '@flowsteer/canvas';
import { SimulatedExecutor } from '@flowsteer/cwrpo';
import { afterEach, describe, expect, it } from 'vitest';
import { OrchestrationSession } from '../src/session/session.js';
import { App, type QuitHow } from '../src/tui/App.js';
import { deferred, plain, renderApp, startTask, until, type Rendered } from './frames.js';

let dir = '';
afterEach(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

/** Turns do not stop by themselves in this test: a pause can only be checked over a quiet period (30 auto delays). */
const quietPeriod = () => new Promise((resolve) => setTimeout(resolve, 150));

const ESC = '\u001b';
const HOSTILE = `${ESC}]0;PWNED${ESC}\\${ESC}[2J${ESC}[31mred${ESC}]8;;https://evil.example${ESC}\\link${ESC}]8;;${ESC}\\${ESC}]52;c;cGF5bG9hZA==\u0007`;

/** A policy that never answers until its signal aborts (a hung backend, in-process). */
class HungPolicy implements Policy {
  readonly id = 'hung';
  calls = 0;
  aborted = 0;
  act(_observation: Observation, signal: AbortSignal): Promise<PolicyOutput> {
    this.calls += 1;
    return new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => {
        this.aborted += 1;
        reject(new AbortError('policy turn'));
      });
    });
  }
}

/** A policy whose every answer carries escape sequences in its reasoning and action. */
class HostilePolicy implements Policy {
  readonly id = 'hostile';
  #calls = 0;
  async act(): Promise<PolicyOutput> {
    this.#calls += 1;
    if (this.#calls === 1) return { text: `<think>${HOSTILE} thinking</think><action>add</action><operator>Custom</operator>` };
    return { text: `<prompt>Answer ${HOSTILE} with the number.</prompt>` };
  }
}

interface Setup {
  template?: string;
  policy?: Policy;
  size?: { columns: number; rows: number };
  answer?: string;
  runFinal?: (env: CanvasEnvironment, signal: AbortSignal) => Promise<{ answer: string; success: boolean; tokens: number }>;
}

async function setup(options: Setup = {}) {
  dir = await mkdtemp(join(tmpdir(), 'flowsteer-app-'));
  const store = new FileStore(dir);
  const exported: string[] = [];
  const quits: QuitHow[] = [];
  const sessions: OrchestrationSession[] = [];
  const start = async (problem: string, type: string) => {
    const session = await OrchestrationSession.start(
      { problem, type },
      {
        env: new CanvasEnv({ executor: new SimulatedExecutor() }),
        policy: options.policy ?? TemplatePolicy.named(options.template ?? 'plan-program-verify'),
        runFinal: options.runFinal ?? (async () => ({ answer: options.answer ?? 'forty-two', success: true, tokens: 5 })),
        events: new EventBus(),
        store,
        runtime: 'policy template · executor: simulator',
      },
    );
    sessions.push(session);
    return session;
  };
  const quit = deferred<QuitHow>();
  const app = renderApp(
    <App
      start={start}
      runtimeLabel="policy template · executor: simulator"
      runtimeHint="set executor.* to use a model"
      autoDelayMs={5}
      size={options.size ?? { columns: 100, rows: 40 }}
      onQuit={(how) => {
        quits.push(how);
        quit.resolve(how);
      }}
      exportWorkflow={async (s) => {
        exported.push(s.export('dsl'));
        return ['/tmp/x.dsl'];
      }}
    />,
  );
  return { app, exported, quits, quit: quit.promise, sessions, store };
}

/** Space: one policy turn, waited for on screen. */
async function step(app: Rendered, turn: number): Promise<string> {
  app.stdin.write(' ');
  return until(app, `turn ${turn}/20`);
}

describe('the flowsteer app', () => {
  it('asks for a task, cycles the type with Tab, and says which runtime is in use', async () => {
    const { app } = await setup();
    let frame = await until(app, 'type: math');
    expect(frame).toContain('policy template · executor: simulator');
    expect(frame).toContain('set executor.* to use a model');
    app.stdin.write('\t');
    frame = await until(app, 'type: qa');
    app.stdin.write('Who wrote Hamlet?\r');
    await until(app, '[qa] Who wrote Hamlet?');
    app.unmount();
  });

  it('space steps one turn at a time and the graph updates', async () => {
    const { app } = await setup();
    await startTask(app);
    let frame = await step(app, 1);
    expect(frame).toContain('awaiting a prompt');
    expect(frame).toContain('action: <action>add</action><operator>Plan</operator>');
    app.stdin.write(' ');
    frame = await until(app, 'node_1       Plan  ✎');
    expect(frame).toContain('turn 2/20');
    app.unmount();
  });

  it('handles every key of one read: three spaces are three turns, text then Backspace edits', async () => {
    const { app, sessions } = await setup();
    await until(app, 'Give the Flow-Director a task');
    // One read: the task with a typo, Backspace (DEL), the fix, Enter.
    app.stdin.write('What is 6*8\u007f7?\r');
    await until(app, 'no turns yet');
    expect(sessions[0]?.task.problem).toBe('What is 6*7?');
    app.stdin.write('   ');
    await until(app, 'turn 3/20');
    expect(sessions[0]?.turns.length).toBe(3);
    app.unmount();
  });

  it('keeps a bracketed multi-line paste whole and edits the line with Ctrl-U/W and arrows', async () => {
    const { app, sessions } = await setup();
    await until(app, 'Give the Flow-Director a task');
    app.stdin.write('\u001b[200~Line one of the task\nline two\u001b[201~');
    await until(app, 'line two');
    expect(plain(app.lastFrame())).toContain('Give the Flow-Director a task'); // not submitted
    app.stdin.write(' extra words\u0017\u0017'); // Ctrl-W twice removes "extra words"
    app.stdin.write('\u001b[D\u001b[DXY'); // two left, insert
    app.stdin.write('\r');
    await until(app, 'no turns yet');
    expect(sessions[0]?.task.problem).toBe('Line one of the task\nline twXYo');
    app.unmount();
  });

  it('a runs automatically to the end, r runs the workflow and shows the answer', async () => {
    const { app } = await setup();
    await startTask(app);
    app.stdin.write('a');
    let frame = await until(app, 'workflow finished', 15_000);
    expect(frame).toContain('Plan -> Programmer -> Verify ? Revise : done -> Format');
    expect(frame).toContain('on fail    node_3_true Revise');
    app.stdin.write('r');
    frame = await until(app, 'answer: forty-two');
    app.unmount();
  });

  it('p pauses automatic mode', async () => {
    const { app, sessions } = await setup();
    await startTask(app);
    app.stdin.write('a');
    await until(app, 'running automatically');
    app.stdin.write('p');
    await until(app, /paused · turn/);
    await until(app, /^(?![\s\S]*policy turn \d)/); // no turn in flight
    const turns = sessions[0]?.turns.length;
    await quietPeriod();
    expect(sessions[0]?.turns.length).toBe(turns);
    app.unmount();
  });

  it('h takes over (shorthand); slips are caught without spending a round', async () => {
    const { app, sessions } = await setup();
    await startTask(app);
    app.stdin.write('h');
    await until(app, 'your action: add X');
    app.stdin.write('\u001B');
    await until(app, 'space step · a auto');
    // A mistyped operator: said in plain words, nothing sent to the canvas.
    app.stdin.write('h');
    await until(app, 'you>');
    app.stdin.write('add Custon\r');
    let frame = await until(app, 'unknown operator "Custon"');
    expect(frame).toContain('turn 0/20');
    expect(frame).not.toContain('XML');
    // The text stays for fixing: Backspace twice and retype.
    app.stdin.write('\u007f\u007fom\r');
    frame = await until(app, 'turn 1 · you · action · accepted');
    app.stdin.write('h');
    frame = await until(app, 'write the prompt the canvas is waiting for');
    app.stdin.write('Answer with the number only.\r');
    // 'your turn: accepted' is already on screen from turn 1: wait for turn 2 itself.
    frame = await until(app, 'turn 2 · you · prompt · accepted');
    expect(frame).toContain('Custom');
    // f with too few operators, e with no prompt change, r… none of them spends a round.
    app.stdin.write('f');
    frame = await until(app, 'cannot finish yet: workflow is too short (1 operators).');
    expect(frame).toContain('turn 2/20');
    expect(sessions[0]?.workflow?.state.round).toBe(2);
    app.unmount();
  });

  it('f on an empty canvas, e with no nodes and r with nothing to run spend nothing', async () => {
    const { app, sessions } = await setup();
    await startTask(app);
    app.stdin.write('f');
    await until(app, 'nothing to finish: the canvas is empty');
    app.stdin.write('e');
    await until(app, 'no nodes yet');
    app.stdin.write('r');
    await until(app, 'nothing to run: the workflow is empty');
    expect(sessions[0]?.workflow?.state.round).toBe(0);
    expect(sessions[0]?.final).toBeUndefined();
    app.unmount();
  });

  it('o adds from an operator picker; e edits a prompt picked by node; u undoes; x exports', async () => {
    const { app, exported, sessions } = await setup();
    await startTask(app);
    app.stdin.write('o');
    await until(app, 'Add which operator?');
    app.stdin.write('\u001b[B'); // down: the second operator
    const second = sessions[0]?.workflow?.operatorSpecs[1]?.name ?? '';
    app.stdin.write('\r');
    await until(app, `added ${second}`);
    app.stdin.write('h');
    await until(app, 'write the prompt the canvas is waiting for');
    app.stdin.write('Think it through step by step.\r');
    await until(app, 'turn 2 · you · prompt · accepted');
    app.stdin.write('e');
    await until(app, "Edit which node's prompt?");
    app.stdin.write('\r');
    let frame = await until(app, 'prompt of node_1');
    expect(frame).toContain('Think it through step by step.');
    app.stdin.write('\u0015Outline the multiplication.\r'); // Ctrl-U clears, then the new prompt
    frame = await until(app, 'prompt of node_1 updated');
    expect(sessions[0]?.workflow?.graph.prompts()['node_1']?.prompt).toContain('Outline the multiplication.');
    app.stdin.write('u');
    frame = await until(app, 'undid the last turn');
    expect(frame).toContain('turn 2/20');
    app.stdin.write('x');
    await until(app, 'exported: /tmp/x.dsl');
    expect(exported).toEqual([second]);
    app.unmount();
  });

  it('Esc cancels a hung policy turn; nothing is saved from it; q then quits at once', async () => {
    const policy = new HungPolicy();
    const { app, quit, quits, sessions } = await setup({ policy });
    await startTask(app);
    app.stdin.write(' ');
    await until(app, /policy turn \d+\.\ds/);
    app.stdin.write('\u001b');
    await until(app, 'policy turn cancelled — nothing was saved from it');
    expect(policy.aborted).toBe(1);
    expect(sessions[0]?.turns.length).toBe(0);
    expect(sessions[0]?.workflow?.state.round).toBe(0);
    // Again, and this time quit while it hangs: q cancels and exits.
    app.stdin.write(' ');
    await until(app, /policy turn \d+\.\ds/);
    app.stdin.write('q');
    expect(await quit).toBe('quit');
    expect(quits).toEqual(['quit']);
    expect(policy.aborted).toBe(2);
  });

  it('Ctrl-C cancels a running workflow run and quits as an interrupt; the run saves no answer', async () => {
    let runAborted = false;
    const { app, quit, quits, sessions } = await setup({
      template: 'cot',
      runFinal: (_env, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            runAborted = true;
            reject(new AbortError('workflow run'));
          }),
        ),
    });
    await startTask(app);
    await step(app, 1);
    await step(app, 2);
    app.stdin.write('r');
    await until(app, 'running the workflow');
    app.stdin.write('\u0003');
    expect(await quit).toBe('interrupt');
    expect(quits).toEqual(['interrupt']);
    expect(runAborted).toBe(true);
    expect(sessions[0]?.final).toBeUndefined();
  });

  it('shows a hostile policy answer without any escape sequence reaching the terminal', async () => {
    const { app } = await setup({ policy: new HostilePolicy(), answer: `42${HOSTILE}` });
    await startTask(app);
    app.stdin.write(' ');
    await until(app, 'action: <think>redlink thinking</think>');
    app.stdin.write(' ');
    await until(app, 'turn 2 · hostile · prompt · accepted');
    app.stdin.write('r');
    await until(app, 'answer: 42redlink');
    const frames = app.frames.join('');
    expect(frames).not.toContain(`${ESC}]`); // no OSC: title, link, clipboard
    expect(frames).not.toContain(`${ESC}[2J`);
    expect(frames).not.toContain(`${ESC}[31m`);
    expect(frames).not.toContain('\u0007');
    expect(frames).not.toContain('PWNED');
    app.unmount();
  });

  it('? opens the key overlay, any key closes it', async () => {
    const { app, quit, quits } = await setup();
    await startTask(app);
    app.stdin.write('?');
    let frame = await until(app, 'Keys (↑/↓ scroll, any other key closes this)');
    expect(frame).toContain('cancel the running turn or run');
    app.stdin.write('z');
    frame = await until(app, 'Workflow ·');
    // Esc and q in one read (what a fast Esc, q gives): the overlay closes and the app quits.
    app.stdin.write('?');
    await until(app, 'Keys (');
    app.stdin.write('\u001bq');
    expect(await quit).toBe('quit');
    expect(quits).toEqual(['quit']);
  });

  it('fits 60x20 with the header and status line pinned, and scrolls the workflow', async () => {
    const { app } = await setup({ size: { columns: 60, rows: 20 } });
    await startTask(app);
    app.stdin.write('a');
    await until(app, 'workflow finished', 15_000);
    const frame = plain(app.lastFrame());
    const lines = frame.split('\n');
    expect(lines.length).toBeLessThanOrEqual(19);
    expect(lines[0]).toContain('FlowSteer · session');
    expect(frame).toMatch(/step · turn \d+\/20/);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(60);
    const title = /Workflow · \d+ nodes (\d+)-(\d+)\/(\d+)/.exec(frame);
    expect(title).not.toBeNull();
    app.stdin.write('\u001b[B\u001b[B');
    await until(app, new RegExp(`Workflow · \\d+ nodes ${Number(title?.[1]) + 2}-`));
    app.unmount();
  });
});
