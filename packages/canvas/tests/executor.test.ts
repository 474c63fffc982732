import {
  AbortError,
  BackendError,
  EventBus,
  StepInputSchema,
  StepOutputSchema,
  streamFromChat,
  type FlowSteerEvent,
  type LlmBackend,
  type Operator,
  type OperatorCategory,
  type OperatorContext,
  type StepInput,
  type StepOutput,
} from '@flowsteer/core';
import { describe, expect, it } from 'vitest';
import { CanvasEnv, WorkflowExecutor, parseDsl } from '../src/index.js';

const backend: LlmBackend = {
  id: 'none',
  chat: async () => {
    throw new Error('the test operators never call the backend');
  },
  stream: (request) => streamFromChat(backend, request),
};

type Behaviour = (input: StepInput, ctx: OperatorContext, call: number) => Promise<StepOutput> | StepOutput;

function op(name: string, category: OperatorCategory, behaviour: Behaviour, seen?: StepInput[]): Operator<StepInput, StepOutput> {
  let calls = 0;
  return {
    name,
    category,
    description: `${name} for tests`,
    inputSchema: StepInputSchema,
    outputSchema: StepOutputSchema,
    run: async (input, ctx) => {
      seen?.push(input);
      calls++;
      return behaviour(input, ctx, calls);
    },
  };
}

const task = { problem: 'What is 6*7?', type: 'math' };
const echo = (name: string, category: OperatorCategory = 'solver', seen?: StepInput[]): Operator<StepInput, StepOutput> =>
  op(name, category, (input) => ({ response: `${name}(${input.previous === '' ? input.problem : input.previous})` }), seen);

describe('WorkflowExecutor semantics', () => {
  it('flows data sequentially; planners add context, checkers keep the solution', async () => {
    const seen: StepInput[] = [];
    const executor = new WorkflowExecutor({
      backend,
      operators: [
        op('Plan', 'planner', () => ({ response: 'Step 1: multiply', steps: ['multiply'] })),
        op('Custom', 'solver', (input) => ({ response: `answer using ${input.plan}` }), seen),
        op('Review', 'checker', (input) => ({ response: input.solution, verdict: { passed: true, feedback: 'fine' } }), seen),
        op('Format', 'formatter', (input) => ({ response: `[${input.solution}]` }), seen),
      ],
    });
    const graph = parseDsl('Plan -> Custom -> Review -> Format');
    graph.setNodePrompt('node_2', 'Be precise.');
    const run = await executor.run(graph, task);
    expect(run.success).toBe(true);
    expect(run.answer).toBe('[answer using Step 1: multiply]');
    expect(seen[0]).toMatchObject({ instruction: 'Be precise.', plan: 'Step 1: multiply', previous: 'Step 1: multiply', problemType: 'math' });
    expect(seen[1]).toMatchObject({ solution: 'answer using Step 1: multiply' });
    expect(seen[2]).toMatchObject({ solution: 'answer using Step 1: multiply', feedback: 'fine' });
    expect(run.nodes.map((n) => [n.nodeId, n.ok])).toEqual([['node_1', true], ['node_2', true], ['node_3', true], ['node_4', true]]);
  });

  it('runs parallel branches concurrently and joins them into candidates for an ensemble', async () => {
    // Each branch waits until all three are running: branches run one after another would never
    // get there (and the test would time out).
    let started = 0;
    let allStarted: () => void = () => undefined;
    const barrier = new Promise<void>((resolve) => (allStarted = resolve));
    const slow = (name: string): Operator<StepInput, StepOutput> =>
      op(name, 'solver', async () => {
        if (++started === 3) allStarted();
        await barrier;
        return { response: name === 'AnswerGenerate' ? '41' : '42' };
      });
    const seen: StepInput[] = [];
    const executor = new WorkflowExecutor({
      backend,
      operators: [slow('Custom'), slow('AnswerGenerate'), slow('Programmer'), op('ScEnsemble', 'ensemble', (input) => ({ response: input.candidates.join('|') }), seen)],
    });
    const run = await executor.run(parseDsl('[Custom, AnswerGenerate, Programmer] -> ScEnsemble'), task);
    expect(started).toBe(3);
    expect(seen[0]?.candidates).toEqual(['42', '41', '42']);
    expect(seen[0]?.solution).toBe('42');
    expect(run.answer).toBe('42|41|42');
  });

  it('runs the repair branch only when the check fails, with the checker feedback', async () => {
    const revised: StepInput[] = [];
    const make = (passed: boolean) =>
      new WorkflowExecutor({
        backend,
        operators: [
          op('Custom', 'solver', () => ({ response: '41' })),
          op('Verify', 'checker', (input) => ({ response: input.solution, verdict: { passed, feedback: passed ? 'ok' : '6*7 is 42', confidence: 'high', answer: '42' } })),
          op('Revise', 'reviser', (input) => ({ response: `revised(${input.solution}; ${input.feedback})` }), revised),
          op('Format', 'formatter', (input) => ({ response: `formatted(${input.solution})` })),
        ],
      });
    const failing = await make(false).run(parseDsl('Custom -> Verify ? Revise : Format'), task);
    expect(failing.answer).toBe('revised(41; 6*7 is 42)');
    expect(revised).toHaveLength(1);
    const passing = await make(true).run(parseDsl('Custom -> Verify ? Revise : Format'), task);
    expect(passing.answer).toBe('formatted(41)');
    const done = await make(true).run(parseDsl('Custom -> Verify ? Revise : done'), task);
    expect(done.answer).toBe('41');
    expect(done.verdict).toEqual({ passed: true, feedback: 'ok', confidence: 'high', answer: '42' });
    expect(revised).toHaveLength(1);
  });

  it('treats a condition without a verdict as a failed check', async () => {
    const executor = new WorkflowExecutor({ backend, operators: [echo('Custom'), echo('Revise', 'reviser')] });
    expect((await executor.run(parseDsl('Custom ? Revise : done'), task)).answer).toBe('Revise(Custom(What is 6*7?))');
  });

  it('runs loops count times, each iteration feeding the next', async () => {
    const executor = new WorkflowExecutor({ backend, operators: [echo('Review', 'solver'), echo('Revise', 'reviser')] });
    const run = await executor.run(parseDsl('(Review -> Revise) * 2'), task);
    expect(run.answer).toBe('Revise(Review(Revise(Review(What is 6*7?))))');
    expect(run.nodes).toHaveLength(4);
  });

  it('times out a hung node and retries it; gives up with a clear error after the retries', async () => {
    const flaky = op('Custom', 'solver', async (_input, ctx, call) => {
      if (call === 1) await new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('cancelled'))));
      return { response: 'second try' };
    });
    const executor = new WorkflowExecutor({ backend, operators: [flaky], nodeTimeoutMs: 50, retries: 2, retryBaseMs: 1 });
    const run = await executor.run(parseDsl('Custom'), task);
    expect(run).toMatchObject({ success: true, answer: 'second try' });
    expect(run.nodes[0]?.attempts).toBe(2);

    const stuck = op('Custom', 'solver', () => new Promise<StepOutput>(() => undefined));
    const failed = await new WorkflowExecutor({ backend, operators: [stuck], nodeTimeoutMs: 30, retries: 1, retryBaseMs: 1 }).run(parseDsl('Custom'), task);
    expect(failed.success).toBe(false);
    expect(failed.error).toBe('Custom (node_1) failed: node node_1 timed out after 30 ms (after 2 attempts)');
  });

  it('retries retryable backend failures only', async () => {
    const retryable = op('Custom', 'solver', (_i, _c, call) => {
      if (call < 3) throw new BackendError('b', 'HTTP 503', { retryable: true, status: 503 });
      return { response: 'ok' };
    });
    expect((await new WorkflowExecutor({ backend, operators: [retryable], retries: 2, retryBaseMs: 1 }).run(parseDsl('Custom'), task)).answer).toBe('ok');
    let calls = 0;
    const fatal = op('Custom', 'solver', () => {
      calls++;
      throw new BackendError('b', 'HTTP 400: bad request', { status: 400 });
    });
    const run = await new WorkflowExecutor({ backend, operators: [fatal], retries: 3, retryBaseMs: 1 }).run(parseDsl('Custom'), task);
    expect(run.error).toBe('Custom (node_1) failed: backend b: HTTP 400: bad request');
    expect(calls).toBe(1);
  });

  it('cancels everything in flight when the run is aborted', async () => {
    const aborted: string[] = [];
    const controller = new AbortController();
    let started = 0;
    const hang = (name: string) =>
      op(name, 'solver', (_input, ctx) => new Promise<StepOutput>((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => {
          aborted.push(name);
          reject(new Error('stopped'));
        });
        // Abort once both branches are in flight, not after a guessed delay.
        if (++started === 2) controller.abort();
      }));
    const executor = new WorkflowExecutor({ backend, operators: [hang('Custom'), hang('AnswerGenerate')] });
    const pending = executor.run(parseDsl('[Custom, AnswerGenerate]'), task, { signal: controller.signal });
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(aborted.sort()).toEqual(['AnswerGenerate', 'Custom']);
  });

  it('fails the parallel block when one branch fails and stops the siblings', async () => {
    let siblingStopped = false;
    const executor = new WorkflowExecutor({
      backend,
      retries: 0,
      operators: [
        op('Custom', 'solver', () => Promise.reject(new Error('branch broke'))),
        op('AnswerGenerate', 'solver', (_i, ctx) => new Promise<StepOutput>((_resolve, reject) => ctx.signal.addEventListener('abort', () => {
          siblingStopped = true;
          reject(new Error('stopped'));
        }))),
      ],
    });
    const run = await executor.run(parseDsl('[Custom, AnswerGenerate]'), task);
    expect(run.error).toBe('Custom (node_1_p0) failed: branch broke');
    expect(siblingStopped).toBe(true);
  });

  it('accounts tokens, latency and calls per node and turn, and emits node events', async () => {
    const bus = new EventBus();
    const events: FlowSteerEvent[] = [];
    bus.onAny((e) => events.push(e));
    const spender = (name: string, tokens: number) =>
      op(name, 'solver', (_input, ctx) => {
        ctx.usage.record({ promptTokens: tokens, completionTokens: 1, totalTokens: tokens + 1 }, 5);
        ctx.usage.record({ promptTokens: tokens, completionTokens: 1, totalTokens: tokens + 1 }, 5);
        return { response: name };
      });
    const executor = new WorkflowExecutor({ backend, operators: [spender('Custom', 10), spender('Format', 3)], events: bus, runId: 'run-7' });
    const run = await executor.run(parseDsl('Custom -> Format'), task, { turn: 4 });
    expect(run.usage).toMatchObject({ promptTokens: 26, completionTokens: 4, totalTokens: 30, calls: 4 });
    expect(run.nodes.map((n) => n.usage.totalTokens)).toEqual([22, 8]);
    expect(executor.ledger.byNode().get('node_1')?.calls).toBe(2);
    expect(executor.ledger.byTurn().get(4)?.totalTokens).toBe(30);
    expect(events.map((e) => `${e.type}:${'nodeId' in e ? e.nodeId : ''}`)).toEqual(['node.started:node_1', 'node.finished:node_1', 'node.started:node_2', 'node.finished:node_2']);
    expect(events[1]).toMatchObject({ runId: 'run-7', ok: true, turn: 4, usage: { totalTokens: 22 } });
  });

  it('counts only its own calls in a run\'s usage when runs overlap on one executor', async () => {
    // Both runs are held mid-workflow until both have recorded, so their ledger entries interleave.
    let recorded = 0;
    let bothRecorded: () => void = () => undefined;
    const interleaved = new Promise<void>((resolve) => (bothRecorded = resolve));
    const spender = op('Custom', 'solver', async (input, ctx) => {
      const tokens = input.problem === 'small' ? 1 : 100;
      ctx.usage.record({ promptTokens: tokens, completionTokens: 0, totalTokens: tokens }, 1);
      if (++recorded === 2) bothRecorded();
      await interleaved;
      return { response: input.problem };
    });
    const executor = new WorkflowExecutor({ backend, operators: [spender, echo('Format', 'formatter')] });
    const [small, large] = await Promise.all([
      executor.run(parseDsl('Custom -> Format'), { problem: 'small', type: 'math' }),
      executor.run(parseDsl('Custom -> Format'), { problem: 'large', type: 'math' }),
    ]);
    expect(small?.usage).toMatchObject({ totalTokens: 1, calls: 1 });
    expect(large?.usage).toMatchObject({ totalTokens: 100, calls: 1 });
    expect(executor.ledger.total()).toMatchObject({ totalTokens: 101, calls: 2 });
  });

  it('fails clearly for an operator that is not installed or returns a bad output', async () => {
    const missing = await new WorkflowExecutor({ backend, operators: [echo('Custom')] }).run(parseDsl('Custom -> Verify'), task);
    expect(missing.error).toBe('Verify (node_2) failed: operator "Verify" is not installed (installed: Custom)');
    const bad = op('Custom', 'solver', () => ({ answer: 42 }) as unknown as StepOutput);
    const invalid = await new WorkflowExecutor({ backend, operators: [bad] }).run(parseDsl('Custom'), task);
    expect(invalid.error).toMatch(/^Custom \(node_1\) failed: returned an invalid output: response: /);
  });
});

describe('WorkflowExecutor as the canvas executor', () => {
  it('runs after each completed edit and feeds the result back as feedback', async () => {
    const executor = new WorkflowExecutor({
      backend,
      operators: [
        op('Custom', 'solver', () => ({ response: '42' })),
        op('Verify', 'checker', (input) => ({ response: input.solution, verdict: { passed: true, feedback: 'checked', confidence: 'high', answer: '42' } })),
      ],
    });
    const env = new CanvasEnv({ executor, minOperators: 1, requireChecker: false, requireStructure: false });
    env.reset(task);
    await env.step('<action>add</action><operator>Custom</operator>');
    const first = await env.step('Multiply.');
    expect(first.info.executionResult).toEqual({ output: '42' });
    expect(first.feedback).toContain('[EXECUTION RESULT]: 42');
    await env.step('<action>add</action><operator>Verify</operator>');
    const second = await env.step('Check the product.');
    expect(second.info.executionResult).toEqual({ output: '42', is_correct: true, confidence: 'high', answer: '42' });
    expect(second.feedback).toContain('[NEXT]=ADD:Format');
    const failing = new CanvasEnv({ executor: new WorkflowExecutor({ backend, operators: [] }), minOperators: 1, requireChecker: false, requireStructure: false });
    failing.reset(task);
    await failing.step('<action>add</action><operator>Custom</operator>');
    expect((await failing.step('Multiply.')).feedback).toContain('[EXECUTION ERROR]: Execution error: Custom (node_1) failed: operator "Custom" is not installed');
  });
});
