import { EventBus, NULL_EVENT_SINK, StepInputSchema, UsageLedger, type OperatorContext, type StepInputDraft, type StepOutput } from '@flowsteer/core';
import { OpenAiCompatibleBackend } from '@flowsteer/backends-openai';
import { FakeOpenAiServer, lastUserMessage, type FakeReply } from '@flowsteer/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Aggregate, AnswerGenerate, Custom, Decompose, Format, MdEnsemble, Plan, Review, Revise, STANDARD_OPERATORS, ScEnsemble, Verify, plugin } from '../src/index.js';
import { loadPluginPackage } from '@flowsteer/plugin-testkit';

let server: FakeOpenAiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function runOperator(operator: (typeof STANDARD_OPERATORS)[number], replies: FakeReply[], input: StepInputDraft): Promise<{ out: StepOutput; prompts: string[]; ledger: UsageLedger; deltas: string[] }> {
  server = await FakeOpenAiServer.start(replies);
  const ledger = new UsageLedger();
  const events = new EventBus();
  const deltas: string[] = [];
  events.on('node.output', (e) => deltas.push(e.delta));
  const ctx: OperatorContext = {
    nodeId: 'node_1',
    turn: 1,
    runId: 'r',
    backend: new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: 'exec', retryBaseMs: 1 }),
    signal: new AbortController().signal,
    usage: ledger.child({ nodeId: 'node_1', operator: operator.name, turn: 1 }),
    events,
  };
  const out = await operator.run(StepInputSchema.parse(input), ctx);
  return { out, prompts: server.requests.map(lastUserMessage), ledger, deltas };
}

const problem = 'What is 6*7?';

describe('standard operators against an OpenAI-compatible server', () => {
  it('Custom sends the instruction and the working text, streams, records usage', async () => {
    const { out, prompts, ledger, deltas } = await runOperator(Custom, [{ content: 'It is 42.', usage: { prompt_tokens: 10, completion_tokens: 4 } }], { problem, instruction: 'Multiply carefully.', previous: 'Step 1: multiply' });
    expect(out).toEqual({ response: 'It is 42.' });
    expect(prompts[0]).toBe('Multiply carefully.\n\nProblem: What is 6*7?\n\nPrevious result:\nStep 1: multiply');
    expect(ledger.total()).toMatchObject({ promptTokens: 10, completionTokens: 4, calls: 1 });
    expect(deltas.join('')).toBe('It is 42.');
  });

  it('Custom asks for a plain completion when nobody listens to node output, and streams when someone does', async () => {
    server = await FakeOpenAiServer.start(() => ({ content: 'It is 42.', usage: { prompt_tokens: 10, completion_tokens: 4 } }));
    const backend = new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: 'exec', retryBaseMs: 1 });
    const input = StepInputSchema.parse({ problem });
    const contextWith = (events: OperatorContext['events'], ledger: UsageLedger): OperatorContext => ({ nodeId: 'node_1', turn: 1, runId: 'r', backend, signal: new AbortController().signal, usage: ledger.child({ nodeId: 'node_1', operator: 'Custom', turn: 1 }), events });
    const quiet = new UsageLedger();
    expect(await Custom.run(input, contextWith(NULL_EVENT_SINK, quiet))).toEqual({ response: 'It is 42.' });
    const unwatched = new EventBus();
    unwatched.on('node.finished', () => undefined);
    expect(await Custom.run(input, contextWith(unwatched, quiet))).toEqual({ response: 'It is 42.' });
    const watched = new EventBus();
    const deltas: string[] = [];
    watched.on('node.output', (e) => deltas.push(e.delta));
    const streamed = new UsageLedger();
    expect(await Custom.run(input, contextWith(watched, streamed))).toEqual({ response: 'It is 42.' });
    expect(server.requests.map((r) => r.body.stream === true)).toEqual([false, false, true]);
    expect(deltas.join('')).toBe('It is 42.');
    // The same usage is recorded either way.
    expect(quiet.total()).toMatchObject({ promptTokens: 20, completionTokens: 8, calls: 2 });
    expect(streamed.total()).toMatchObject({ promptTokens: 10, completionTokens: 4, calls: 1 });
  });

  it('Custom on the first step sends only the problem', async () => {
    const { prompts } = await runOperator(Custom, [{ content: '42' }], { problem });
    expect(prompts[0]).toBe(problem);
  });

  it('AnswerGenerate reads <answer>, and falls back to the last line when tags are missing', async () => {
    expect((await runOperator(AnswerGenerate, [{ content: '<thought>6*7</thought><answer>42</answer>' }], { problem })).out).toEqual({ response: '42', fields: { thought: '6*7', answer: '42' } });
    await server?.close();
    expect((await runOperator(AnswerGenerate, [{ content: 'Six sevens.\nAnswer: 42' }], { problem })).out.response).toBe('42');
  });

  it('AnswerGenerate uses its instruction (the reference ignored it)', async () => {
    const { prompts } = await runOperator(AnswerGenerate, [{ content: '<answer>42</answer>' }], { problem, instruction: 'Answer as a bare integer.' });
    expect(prompts[0]?.startsWith('Answer as a bare integer.')).toBe(true);
  });

  it('Plan and Decompose parse numbered steps without splitting decimals', async () => {
    const plan = await runOperator(Plan, [{ content: '<approach>direct</approach><plan>Step 1: Read.\nmore detail\nStep 2) Compute 3.5 * 2\n3. Answer</plan>' }], { problem });
    expect(plan.out.steps).toEqual(['Read. more detail', 'Compute 3.5 * 2', 'Answer']);
    expect(plan.out.fields?.['approach']).toBe('direct');
    await server?.close();
    const decomposed = await runOperator(Decompose, [{ content: '<sub_problems>1. Find x.\n2. Find y using 3.5 units.\n3) Sum them</sub_problems>' }], { problem });
    expect(decomposed.out.steps).toEqual(['Find x.', 'Find y using 3.5 units.', 'Sum them']);
  });

  it('Review returns a verdict; unreadable output counts as a failed review with a reason', async () => {
    const ok = await runOperator(Review, [{ content: '<review_result>\nfalse\n</review_result><feedback>wrong sum</feedback>' }], { problem, solution: '41' });
    expect(ok.out).toEqual({ response: '41', verdict: { passed: false, feedback: 'wrong sum' }, fields: { review_result: 'false', feedback: 'wrong sum' } });
    expect(ok.prompts[0]).toContain('Proposed solution:\n41');
    await server?.close();
    const bad = await runOperator(Review, [{ content: 'no tags at all' }], { problem, solution: '42' });
    expect(bad.out.verdict).toEqual({ passed: false, feedback: 'Review output could not be read: no tags at all' });
  });

  it('Verify reports correctness, confidence and its own answer', async () => {
    const { out } = await runOperator(Verify, [{ content: '<verification_steps>6*7=42</verification_steps><is_correct>False</is_correct><confidence>HIGH</confidence><answer>42</answer>' }], { problem, solution: '41' });
    expect(out.verdict).toEqual({ passed: false, feedback: '6*7=42', confidence: 'high', answer: '42' });
    expect(out.response).toBe('41');
  });

  it('Revise uses the checker feedback and reads <solution>', async () => {
    const { out, prompts } = await runOperator(Revise, [{ content: '<solution>6*7 = 42</solution>' }], { problem, solution: '41', feedback: 'wrong sum' });
    expect(out.response).toBe('6*7 = 42');
    expect(prompts[0]).toContain('Feedback:\nwrong sum');
  });

  it('Format extracts a bare answer', async () => {
    expect((await runOperator(Format, [{ content: 'Final answer: "42"' }], { problem, solution: 'So the product is 42.' })).out.response).toBe('42');
  });

  it('ScEnsemble picks by letter, defaults to A on an unreadable choice, and skips the LLM for one candidate', async () => {
    const picked = await runOperator(ScEnsemble, [{ content: '<thought>B and C agree</thought><solution_letter>b</solution_letter>' }], { problem, candidates: ['41', '42', '42'] });
    expect(picked.out.response).toBe('42');
    expect(picked.prompts[0]).toContain('A: 41\n\nB: 42\n\nC: 42');
    await server?.close();
    expect((await runOperator(ScEnsemble, [{ content: 'I cannot decide' }], { problem, candidates: ['x', 'y'] })).out.response).toBe('x');
    await server?.close();
    const single = await runOperator(ScEnsemble, [{ content: 'unused' }], { problem, candidates: ['only'] });
    expect(single.out.response).toBe('only');
    expect(single.prompts).toHaveLength(0);
  });

  it('MdEnsemble takes the majority of several shuffled votes', async () => {
    // The fake judge always votes for the candidate text "42", wherever the shuffle put it.
    server = await FakeOpenAiServer.start((request) => {
      const prompt = lastUserMessage(request);
      const letter = /([A-C]): 42/.exec(prompt)?.[1] ?? 'A';
      return { content: `<solution_letter>${letter}</solution_letter>` };
    });
    const ledger = new UsageLedger();
    const out = await MdEnsemble.run(StepInputSchema.parse({ problem, candidates: ['41', '42', '40'] }), {
      nodeId: 'n', turn: 0, runId: 'r', backend: new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: 'm' }), signal: new AbortController().signal,
      usage: ledger.child({ nodeId: 'n', operator: 'MdEnsemble', turn: 0 }), events: new EventBus(),
    });
    expect(out.response).toBe('42');
    expect(server.requests).toHaveLength(3);
  });

  it('Aggregate votes on numbers without the LLM and asks the LLM otherwise', async () => {
    const agreed = await runOperator(Aggregate, [{ content: 'unused' }], { problem, candidates: ['42', '42', '42'] });
    expect(agreed.out).toEqual({ response: '42', fields: { selection_reason: 'All 3 candidates agree' } });
    expect(agreed.prompts).toHaveLength(0);
    await server?.close();
    const majority = await runOperator(Aggregate, [{ content: 'unused' }], { problem, candidates: ['42', '41', '42.0'] });
    expect(majority.out).toEqual({ response: '42', fields: { selection_reason: 'Majority voting: 2/3 votes for 42' } });
    await server?.close();
    const text = await runOperator(Aggregate, [{ content: '<aggregated_answer>Paris</aggregated_answer><selection_reason>2 of 3</selection_reason>' }], { problem: 'Capital of France?', candidates: ['Paris', 'Lyon', 'Paris, France'] });
    expect(text.out.response).toBe('Paris');
  });

  it('the plugin registers all eleven with descriptions', async () => {
    const { registries } = await loadPluginPackage(new URL('..', import.meta.url));
    expect(registries.operators.names()).toEqual(['Aggregate', 'AnswerGenerate', 'Custom', 'Decompose', 'Format', 'MdEnsemble', 'Plan', 'Review', 'Revise', 'ScEnsemble', 'Verify']);
    expect(plugin.meta.name).toBe('@flowsteer/operators-standard');
    expect(STANDARD_OPERATORS.every((op) => op.description.length > 20)).toBe(true);
  });
});
