import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, FileStore } from '@flowsteer/core';
import { CanvasEnv, TemplatePolicy } from '@flowsteer/canvas';
import { SimulatedExecutor } from '@flowsteer/cwrpo';
import { afterEach, describe, expect, it } from 'vitest';
import { expandShorthand } from '../src/session/human.js';
import { OrchestrationSession, listSessions, type SessionSnapshot } from '../src/session/session.js';

let dir = '';
afterEach(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
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
    expect(session.env.graph.toDsl()).toBe('Plan -> Programmer');
    expect(session.turns.map((t) => `${t.driver}:${t.kind}`)).toEqual(['policy:action', 'policy:prompt', 'policy:action', 'policy:prompt']);
    expect(session.tokens).toBeGreaterThan(0);
    const saved = await store.get<SessionSnapshot>(`sessions/${session.id}`);
    expect(saved?.turns).toHaveLength(4);
    const resumed = OrchestrationSession.resume(saved!, deps());
    expect(resumed.env.graph.toDsl()).toBe('Plan -> Programmer');
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
    expect(session.env.graph.prompts()['node_1']?.prompt).toBe('Multiply the two numbers.');
    expect(await session.undo()).toBe(true);
    expect(session.env.graph.prompts()['node_1']?.prompt).toBe('Answer with the product.');
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
    expect(session.env.state.forcedFinish).toBe(false);
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
});
