import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbortError, EventBus, FileStore, ValidationError } from '@flowsteer/core';
import { CanvasEnv, TemplatePolicy } from '@flowsteer/canvas';
import { SimulatedExecutor } from '@flowsteer/cwrpo';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHumanInput, expandShorthand } from '../src/session/human.js';
import { lockSession, SessionLockedError } from '../src/session/lock.js';
import { OrchestrationSession, listSessions, type SessionSnapshot } from '../src/session/session.js';

let dir = '';
afterEach(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

async function newSession(template = 'plan-program-verify') {
  dir = await mkdtemp(join(tmpdir(), 'flowsteer-session-'));
  const store = new FileStore(dir);
  const deps = () => ({
    env: new CanvasEnv({ executor: new SimulatedExecutor() }),
    policy: TemplatePolicy.named(template),
    runFinal: async () => ({ answer: '42', success: true, tokens: 10 }),
    events: new EventBus(),
    store,
    runtime: 'test runtime',
  });
  const session = await OrchestrationSession.start({ problem: 'What is 6*7?', type: 'math' }, deps());
  return { session, store, deps };
}

describe('OrchestrationSession', () => {
  it('steps the policy, saves after every turn, and resumes from the store', async () => {
    const { session, store, deps } = await newSession();
    for (let i = 0; i < 4; i++) await session.step();
    expect(session.workflow!.graph.toDsl()).toBe('Plan -> Programmer');
    expect(session.turns.map((t) => `${t.driver}:${t.kind}`)).toEqual(['policy:action', 'policy:prompt', 'policy:action', 'policy:prompt']);
    expect(session.tokens).toBeGreaterThan(0);
    const saved = await store.get<SessionSnapshot>(`sessions/${session.id}`);
    expect(saved?.turns).toHaveLength(4);
    const resumed = OrchestrationSession.resume(saved!, deps());
    expect(resumed.workflow!.graph.toDsl()).toBe('Plan -> Programmer');
    expect(resumed.turns).toHaveLength(4);
    expect(resumed.tokens).toBe(session.tokens);
    const list = await listSessions(store);
    expect(list).toEqual([expect.objectContaining({ id: session.id, task: 'What is 6*7?', dsl: 'Plan -> Programmer', finished: false, turns: 4 })]);
  });

  it('lets a human take over, edit prompts, undo, finish and run', async () => {
    const { session } = await newSession();
    await session.human(expandShorthand('add Custom'));
    expect(session.awaitingPrompt).toBe(true);
    await session.human('Answer with the product.');
    const edited = await session.setPrompt('node_1', 'Multiply the two numbers.');
    expect(edited?.accepted).toBe(true);
    expect(session.workflow!.graph.prompts()['node_1']?.prompt).toBe('Multiply the two numbers.');
    expect(await session.undo()).toBe(true);
    expect(session.workflow!.graph.prompts()['node_1']?.prompt).toBe('Answer with the product.');
    const rejected = await session.finish();
    expect(rejected?.accepted).toBe(false);
    expect(rejected?.feedback).toContain('Finish rejected: workflow is too short');
    const final = await session.runFinal();
    expect(final.answer).toBe('42');
    expect(session.final?.answer).toBe('42');
    expect(session.turns.map((t) => t.driver)).toEqual(['human', 'human', 'human']);
  });

  it('exports the workflow as JSON, DSL and Mermaid', async () => {
    const { session } = await newSession('cot');
    while (!session.done) await session.step();
    // The template passes the default finish rules: it finished on its own, not at the round limit.
    expect(session.workflow!.state.forcedFinish).toBe(false);
    expect(session.export('dsl')).toBe('Plan -> Custom -> Review ? Revise : done -> Format');
    expect(session.export('mermaid')).toContain('node_3_cond{"Review?"}');
    expect(JSON.parse(session.export('json'))).toMatchObject({ dsl: 'Plan -> Custom -> Review ? Revise : done -> Format', prompts: { node_1: { operator: 'Plan' }, node_2: { operator: 'Custom' } } });
  });
});

describe('human shorthand', () => {
  it('expands short commands and passes XML and prompts through', () => {
    expect(expandShorthand('add Custom')).toBe('<action>add</action><operator>Custom</operator>');
    expect(expandShorthand('parallel Custom,AnswerGenerate')).toBe('<action>add</action><structure>parallel</structure><operators>Custom,AnswerGenerate</operators>');
    expect(expandShorthand('cond Verify Revise')).toContain('<condition>Verify</condition><true>Revise</true><false>done</false>');
    expect(expandShorthand('cond Review Revise Format')).toContain('<false>Format</false>');
    expect(expandShorthand('loop Review,Revise 3')).toContain('<operators>Review,Revise</operators><count>3</count>');
    expect(expandShorthand('del node_2')).toBe('<action>delete</action><target>node_2</target>');
    expect(expandShorthand('mod node_2 Verify')).toBe('<action>modify</action><target>node_2</target><operator>Verify</operator>');
    expect(expandShorthand('prompt node_1 Be brief.')).toBe('<action>set_prompt</action><target>node_1</target><prompt>Be brief.</prompt>');
    expect(expandShorthand('finish')).toBe('<action>finish</action>');
    expect(expandShorthand('<action>finish</action>')).toBe('<action>finish</action>');
    expect(expandShorthand('add the numbers together')).toBe('add the numbers together');
  });

  it('lists a damaged file as damaged and keeps listing the good ones; resume gives a typed error', async () => {
    const { session, store, deps } = await newSession();
    await session.step();
    await mkdir(join(dir, 'sessions'), { recursive: true });
    await writeFile(join(dir, 'sessions', 'broken.json'), '{ not json');
    await writeFile(join(dir, 'sessions', 'wrongshape.json'), JSON.stringify({ format: 'flowsteer.session', version: 1, id: 'wrongshape', turns: 'many' }));
    const list = await listSessions(store);
    expect(list[0]).toEqual(expect.objectContaining({ id: session.id, turns: 1 }));
    expect(list.slice(1).map((s) => [s.id, s.damaged])).toEqual(
      expect.arrayContaining([
        ['broken', 'not valid JSON'],
        ['wrongshape', expect.stringContaining('turns is not a list')],
      ]),
    );
    const wrong = await store.get<unknown>('sessions/wrongshape');
    expect(() => OrchestrationSession.resume(wrong, deps())).toThrow(ValidationError);
  });

  it('keeps undo history across a resume', async () => {
    const { session, store, deps } = await newSession();
    for (let i = 0; i < 4; i++) await session.step();
    const resumed = OrchestrationSession.resume(await store.get<unknown>(`sessions/${session.id}`), deps());
    expect(resumed.canUndo).toBe(true);
    expect(await resumed.undo()).toBe(true);
    expect(await resumed.undo()).toBe(true);
    expect(resumed.workflow!.graph.toDsl()).toBe('Plan');
    expect(resumed.turns).toHaveLength(2);
    const again = OrchestrationSession.resume(await store.get<unknown>(`sessions/${session.id}`), deps());
    expect(again.turns).toHaveLength(2);
    expect(await again.undo()).toBe(true);
    expect(await again.undo()).toBe(true);
    expect(again.workflow!.graph.toDsl()).toBe('');
    expect(await again.undo()).toBe(false);
  });

  it('a cancelled turn leaves the canvas as it was and saves nothing', async () => {
    const { session, store } = await newSession();
    await session.step();
    const controller = new AbortController();
    controller.abort();
    await expect(session.step(controller.signal)).rejects.toThrow(AbortError);
    expect(session.turns).toHaveLength(1);
    expect((await store.get<SessionSnapshot>(`sessions/${session.id}`))?.turns).toHaveLength(1);
  });

  it('a run cancelled mid-way saves no answer; a finished run saves its answer, workflow and trace', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowsteer-session-'));
    const store = new FileStore(dir);
    const events = new EventBus();
    const controller = new AbortController();
    let cancelNext = true;
    const session = await OrchestrationSession.start(
      { problem: 'What is 6*7?', type: 'math' },
      {
        env: new CanvasEnv({ executor: new SimulatedExecutor() }),
        policy: TemplatePolicy.named('cot'),
        events,
        store,
        runtime: 'test',
        runFinal: async (_env, signal) => {
          events.emit({ type: 'node.started', runId: 'r', nodeId: 'node_1', operator: 'Custom' });
          events.emit({ type: 'node.output', runId: 'r', nodeId: 'node_1', delta: 'The answer is 42' });
          if (cancelNext) {
            controller.abort();
            // A backend that ignores the signal and still answers: the answer must not count.
            return { answer: 'sandbox is closed', success: false, tokens: 0, detail: 'sandbox is closed' };
          }
          events.emit({ type: 'node.finished', runId: 'r', nodeId: 'node_1', operator: 'Custom', ok: true, usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7 }, latencyMs: 12 });
          return { answer: '42', success: true, tokens: 7 };
        },
      },
    );
    await session.step();
    await session.step();
    await expect(session.runFinal(controller.signal)).rejects.toThrow(AbortError);
    expect(session.final).toBeUndefined();
    expect((await store.get<SessionSnapshot>(`sessions/${session.id}`))?.final).toBeUndefined();
    cancelNext = false;
    const result = await session.runFinal();
    expect(result.answer).toBe('42');
    const saved = await store.get<SessionSnapshot>(`sessions/${session.id}`);
    expect(saved?.final?.dsl).toBe(session.workflow!.graph.toDsl());
    expect(saved?.final?.trace).toEqual([expect.objectContaining({ nodeId: 'node_1', operator: 'Custom', output: 'The answer is 42', ok: true, tokens: 7, attempts: 1 })]);
    // The log file names every step of it.
    for (let i = 0; i < 100; i += 1) {
      const log = await readFile(join(dir, 'logs', `${session.id}.jsonl`), 'utf8').catch(() => '');
      if (log.includes('run.finished')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const events_ = (await store.read<{ event: string }>(`logs/${session.id}`)).map((e) => e.event);
    expect(events_).toEqual(expect.arrayContaining(['turn', 'run.started', 'run.cancelled', 'run.finished', 'node.started', 'node.finished']));
    // The answer belongs to this workflow: once the workflow changes, it is no longer current.
    expect(session.currentFinal?.answer).toBe('42');
    await session.undo();
    expect(session.currentFinal).toBeUndefined();
  });

  it('locks a session against a second writer; a lock left by a dead process is taken over', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowsteer-lock-'));
    const release = await lockSession(dir, 'abc');
    // A second app is another process: simulate it with a live child holding the lock.
    await release();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await mkdir(join(dir, 'locks'), { recursive: true });
      await writeFile(join(dir, 'locks', 'abc.lock'), `${child.pid}\n`);
      await expect(lockSession(dir, 'abc')).rejects.toThrow(SessionLockedError);
    } finally {
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
    }
    const again = await lockSession(dir, 'abc');
    expect((await readFile(join(dir, 'locks', 'abc.lock'), 'utf8')).trim()).toBe(String(process.pid));
    await again();
  });

  it('catches slips in plain words before they reach the canvas', () => {
    const facts = { operators: ['Custom', 'Verify', 'Revise'], nodeIds: ['node_1'], awaitingPrompt: false };
    expect(checkHumanInput('add Custon', facts)).toContain('unknown operator "Custon"');
    expect(checkHumanInput('del node_9', facts)).toContain('no node "node_9"');
    expect(checkHumanInput('loop Custom,Verify x', facts)).toContain('count must be a number');
    expect(checkHumanInput('frobnicate', facts)).toContain('not an action');
    expect(checkHumanInput('finish', { ...facts, nodeIds: [] })).toContain('canvas is empty');
    expect(checkHumanInput('add Custom', facts)).toBeUndefined();
    expect(checkHumanInput('cond Verify Revise', facts)).toBeUndefined();
    expect(checkHumanInput('<action>finish</action>', facts)).toBeUndefined();
    expect(checkHumanInput('ok', { ...facts, awaitingPrompt: true })).toContain('too short');
  });
});
