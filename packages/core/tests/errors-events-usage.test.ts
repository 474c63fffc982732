import { describe, expect, it } from 'vitest';
import {
  AbortError,
  BackendError,
  ConfigError,
  EventBus,
  FlowSteerError,
  UsageLedger,
  describeError,
  isFlowSteerError,
  throwIfAborted,
  type FlowSteerEvent,
} from '../src/index.js';

describe('typed errors', () => {
  it('carry a stable code, the offending key and JSON details', () => {
    const error = new ConfigError('executor.timeoutMs', 'expected a number', { source: 'env FLOWSTEER_EXECUTOR_TIMEOUT_MS' });
    expect(error).toBeInstanceOf(FlowSteerError);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.key).toBe('executor.timeoutMs');
    expect(error.message).toBe('config key "executor.timeoutMs" (from env FLOWSTEER_EXECUTOR_TIMEOUT_MS): expected a number');
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ name: 'ConfigError', code: 'CONFIG_INVALID', details: { key: 'executor.timeoutMs' } });
  });

  it('keep the cause and retry information of backend failures', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new BackendError('openai:gpt', 'server unreachable', { status: 503, retryable: true, cause });
    expect(error.cause).toBe(cause);
    expect(error.status).toBe(503);
    expect(error.retryable).toBe(true);
    expect(isFlowSteerError(error)).toBe(true);
    expect(isFlowSteerError(cause)).toBe(false);
  });

  it('describe any thrown value on one line', () => {
    expect(describeError(new Error('first\nsecond'))).toBe('first');
    expect(describeError('plain')).toBe('plain');
    expect(describeError({ a: 1 })).toBe('{"a":1}');
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(describeError(circular)).toBe('[object Object]');
  });

  it('throwIfAborted raises AbortError only once the signal fired', () => {
    const controller = new AbortController();
    expect(() => throwIfAborted(controller.signal, 'rollout')).not.toThrow();
    controller.abort(new Error('user pressed q'));
    expect(() => throwIfAborted(controller.signal, 'rollout')).toThrow(AbortError);
  });
});

describe('EventBus', () => {
  it('delivers typed events to type listeners and catch-all listeners, stamping time', () => {
    const bus = new EventBus();
    const nodes: string[] = [];
    const all: FlowSteerEvent[] = [];
    bus.on('node.finished', (event) => nodes.push(`${event.nodeId}:${event.usage.totalTokens}`));
    bus.onAny((event) => all.push(event));
    bus.emit({ type: 'turn.started', runId: 'r1', turn: 1 });
    bus.emit({ type: 'node.finished', runId: 'r1', nodeId: 'node_1', operator: 'Custom', ok: true, latencyMs: 5, usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7 } });
    expect(nodes).toEqual(['node_1:7']);
    expect(all.map((e) => e.type)).toEqual(['turn.started', 'node.finished']);
    expect(all.every((e) => typeof e.at === 'number' && e.at > 0)).toBe(true);
  });

  it('isolates a throwing listener and reports it', () => {
    const errors: unknown[] = [];
    const bus = new EventBus({ onListenerError: (error) => errors.push(error) });
    const seen: number[] = [];
    bus.on('turn.started', () => {
      throw new Error('listener bug');
    });
    bus.on('turn.started', (event) => seen.push(event.turn));
    bus.emit({ type: 'turn.started', runId: 'r', turn: 3 });
    expect(seen).toEqual([3]);
    expect(errors).toHaveLength(1);
  });

  it('unsubscribes', () => {
    const bus = new EventBus();
    let count = 0;
    const off = bus.on('log', () => count++);
    bus.emit({ type: 'log', runId: 'r', level: 'info', message: 'a' });
    off();
    bus.emit({ type: 'log', runId: 'r', level: 'info', message: 'b' });
    expect(count).toBe(1);
  });

  it('streams events in order until aborted, dropping none', async () => {
    const bus = new EventBus();
    const controller = new AbortController();
    const received: number[] = [];
    const consumer = (async () => {
      for await (const event of bus.stream(controller.signal)) {
        if (event.type === 'turn.started') received.push(event.turn);
      }
    })();
    await Promise.resolve();
    for (let turn = 1; turn <= 5; turn++) bus.emit({ type: 'turn.started', runId: 'r', turn });
    await new Promise((resolve) => setTimeout(resolve, 10));
    bus.emit({ type: 'turn.started', runId: 'r', turn: 6 });
    controller.abort();
    await consumer;
    expect(received).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('UsageLedger', () => {
  it('totals calls per run, node, turn and operator', () => {
    const ledger = new UsageLedger();
    ledger.record({ nodeId: 'node_1', operator: 'Plan', turn: 1, usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 }, latencyMs: 100 });
    ledger.child({ nodeId: 'node_2', operator: 'Custom', turn: 2 }).record({ promptTokens: 20, completionTokens: 10, totalTokens: 30 }, 200);
    ledger.child({ nodeId: 'node_2', operator: 'Custom', turn: 3 }).record({ promptTokens: 1, completionTokens: 1, totalTokens: 2 }, 50);
    expect(ledger.total()).toEqual({ promptTokens: 31, completionTokens: 16, totalTokens: 47, calls: 3, latencyMs: 350 });
    expect(ledger.byNode().get('node_2')).toEqual({ promptTokens: 21, completionTokens: 11, totalTokens: 32, calls: 2, latencyMs: 250 });
    expect(ledger.byTurn().get(1)?.totalTokens).toBe(15);
    expect([...ledger.byOperator().keys()]).toEqual(['Plan', 'Custom']);
  });
});
