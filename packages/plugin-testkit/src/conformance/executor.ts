import { EventBus, type ExecutionRequest, type ExecutorFactory, type Operator, type Sandbox, type WorkflowExecutor } from '@flowsteer/core';
import { describe, expect, it } from 'vitest';
import { ScriptedBackend, type ScriptedReply } from '../scripted-backend.js';
import { abortedSignal, expectTypedOrAbort, loadForSuite, rejection, type SlotConformanceOptions } from './shared.js';

export interface ExecutorConformanceOptions extends SlotConformanceOptions {
  /** The request to execute; defaults to a one-operator math workflow. */
  readonly request?: ExecutionRequest;
  /** Operators the executor is given (an LLM-backed executor needs the ones its request names). */
  readonly operators?: readonly Operator[];
  readonly replies?: readonly ScriptedReply[];
  readonly sandbox?: () => Promise<Sandbox>;
}

const DEFAULT_REQUEST: ExecutionRequest = {
  task: { problem: 'What is 6*7?', type: 'math' },
  dsl: 'Custom',
  graph: { nodes: [{ id: 'node_1', kind: 'operator', operator: 'Custom' }] },
  prompts: { node_1: { operator: 'Custom', prompt: 'Compute it.' } },
  turn: 1,
};

/** Checks an executor plugin: it executes a workflow to a typed outcome, reports tokens sanely and stops when cancelled. */
export function describeExecutorConformance(title: string, options: ExecutorConformanceOptions): void {
  describe(`${title}: executor plugin conformance`, () => {
    const slot = loadForSuite(options, 'executors');
    const build = async (): Promise<{ executor: WorkflowExecutor; backend: ScriptedBackend }> => {
      const backend = new ScriptedBackend(options.replies ?? ['<answer>42</answer>']);
      const executor = await slot.get<ExecutorFactory>()({
        backend: async () => backend,
        operators: options.operators ?? [],
        sandbox: async () => options.sandbox?.(),
        events: new EventBus(),
        runId: 'conformance',
        options: {},
      });
      return { executor, backend };
    };
    const request = options.request ?? DEFAULT_REQUEST;
    const timeout = options.timeoutMs ?? 30_000;

    it('executes a workflow to { success, output } with text or named fields', async () => {
      const { executor } = await build();
      const outcome = await executor.execute(request, new AbortController().signal);
      expect(typeof outcome.success).toBe('boolean');
      const output: unknown = outcome.output;
      expect(typeof output === 'string' || (typeof output === 'object' && output !== null && !Array.isArray(output)), `output ${JSON.stringify(output)}`).toBe(true);
      expect(() => JSON.stringify(output), 'the output is JSON-serialisable (it is checkpointed)').not.toThrow();
      await executor.close?.();
    }, timeout);

    it('counts tokens as a finite, non-decreasing number when it counts them', async () => {
      const { executor } = await build();
      if (executor.tokensUsed === undefined) return;
      const before = executor.tokensUsed();
      await executor.execute(request, new AbortController().signal);
      const after = executor.tokensUsed();
      expect(Number.isFinite(before) && before >= 0).toBe(true);
      expect(after).toBeGreaterThanOrEqual(before);
      await executor.close?.();
    }, timeout);

    it('rejects with a typed error, without calling its LLM, when its signal is already aborted', async () => {
      const { executor, backend } = await build();
      const error = await rejection(executor.execute(request, abortedSignal()), 'execute() finished although it was cancelled');
      expectTypedOrAbort(error, 'a cancelled execute()');
      expect(backend.calls).toBe(0);
      await executor.close?.();
    });
  });
}
