import { describe, expect, it } from 'vitest';
import { DEFAULT_RETAINED_USAGE_ENTRIES, UsageLedger, type UsageEntry, type UsageTotals } from '../src/index.js';

/** The i-th call of a synthetic run: keys and amounts vary so every group gets a different sum. */
function call(i: number): UsageEntry {
  const prompt = i % 97;
  const completion = i % 31;
  return { nodeId: `node_${i % 7}`, operator: ['Plan', 'Custom', 'Review'][i % 3] ?? 'Plan', turn: i % 13, usage: { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion }, latencyMs: i };
}

interface Sums {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  calls: number;
  latencyMs: number;
}

/** Plain sums over the same calls, computed in one pass without the ledger. */
function expectedTotals(count: number): { all: Sums; byNode: Map<string, Sums>; byTurn: Map<number, Sums>; byOperator: Map<string, Sums> } {
  const zero = (): Sums => ({ promptTokens: 0, completionTokens: 0, totalTokens: 0, calls: 0, latencyMs: 0 });
  const add = (t: Sums, e: UsageEntry): void => {
    t.promptTokens += e.usage.promptTokens;
    t.completionTokens += e.usage.completionTokens;
    t.totalTokens += e.usage.totalTokens;
    t.calls += 1;
    t.latencyMs += e.latencyMs;
  };
  const addTo = <K>(groups: Map<K, Sums>, key: K, e: UsageEntry): void => {
    const sums = groups.get(key) ?? zero();
    groups.set(key, sums);
    add(sums, e);
  };
  const result = { all: zero(), byNode: new Map<string, Sums>(), byTurn: new Map<number, Sums>(), byOperator: new Map<string, Sums>() };
  for (let i = 0; i < count; i += 1) {
    const e = call(i);
    add(result.all, e);
    addTo(result.byNode, e.nodeId, e);
    addTo(result.byTurn, e.turn, e);
    addTo(result.byOperator, e.operator, e);
  }
  return result;
}

const latencies = (ledger: UsageLedger): number[] => ledger.entries.map((e) => e.latencyMs);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => from + k);

describe('UsageLedger retention', () => {
  it('keeps exact totals over a million calls while retaining only the newest thousand, oldest first', () => {
    // Not a multiple of 1000, so the ring's oldest entry is mid-buffer when read.
    const count = 1_000_333;
    const ledger = new UsageLedger({ retainEntries: 1000 });
    for (let i = 0; i < count; i += 1) ledger.record(call(i));

    expect(ledger.recorded).toBe(count);
    expect(ledger.dropped).toBe(count - 1000);
    expect(ledger.entries).toHaveLength(1000);
    expect(latencies(ledger)).toEqual(range(count - 1000, count));

    const expected = expectedTotals(count);
    expect(ledger.total()).toEqual(expected.all);
    expect(ledger.total().latencyMs).toBe((count * (count - 1)) / 2);
    expect(new Map(ledger.byNode())).toEqual(expected.byNode);
    expect(new Map(ledger.byTurn())).toEqual(expected.byTurn);
    expect(new Map(ledger.byOperator())).toEqual(expected.byOperator);
    expect([...ledger.byOperator().keys()]).toEqual(['Plan', 'Custom', 'Review']);
  });

  it('retains the default number of entries when no option is given', () => {
    const ledger = new UsageLedger();
    expect(ledger.retainEntries).toBe(DEFAULT_RETAINED_USAGE_ENTRIES);
    for (let i = 0; i <= DEFAULT_RETAINED_USAGE_ENTRIES; i += 1) ledger.record(call(i));
    expect(ledger.entries).toHaveLength(DEFAULT_RETAINED_USAGE_ENTRIES);
    expect(ledger.entries[0]?.latencyMs).toBe(1);
    expect(ledger.dropped).toBe(1);
    expect(ledger.total().calls).toBe(DEFAULT_RETAINED_USAGE_ENTRIES + 1);
  });

  it('shows the newest calls in order at every step as the ring wraps', () => {
    const ledger = new UsageLedger({ retainEntries: 3 });
    expect(ledger.entries).toEqual([]);
    for (let n = 1; n <= 8; n += 1) {
      ledger.record(call(n - 1));
      expect(latencies(ledger)).toEqual(range(Math.max(0, n - 3), n));
      expect(ledger.dropped).toBe(Math.max(0, n - 3));
    }
  });

  it('keeps no entries with retainEntries 0 and every entry with Infinity, totals alike', () => {
    const none = new UsageLedger({ retainEntries: 0 });
    const all = new UsageLedger({ retainEntries: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 20_000; i += 1) {
      none.record(call(i));
      all.record(call(i));
    }
    expect(none.entries).toEqual([]);
    expect(none.dropped).toBe(20_000);
    expect(all.entries).toHaveLength(20_000);
    expect(all.dropped).toBe(0);
    expect(latencies(all)).toEqual(range(0, 20_000));
    expect(none.total()).toEqual(all.total());
    expect(new Map(none.byNode())).toEqual(new Map(all.byNode()));
  });

  it.each([-1, 1.5, Number.NaN, Number.NEGATIVE_INFINITY])('refuses retainEntries %s', (retainEntries) => {
    expect(() => new UsageLedger({ retainEntries })).toThrow(RangeError);
  });
});

describe('UsageLedger reads', () => {
  it('hands out copies, so a caller cannot change what the ledger counts', () => {
    const ledger = new UsageLedger({ retainEntries: 2 });
    const input = { nodeId: 'n1', operator: 'Plan', turn: 1, usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 }, latencyMs: 4 };
    ledger.record(input);
    input.usage.totalTokens = 1000;
    input.nodeId = 'changed';

    const total = ledger.total();
    expect(Object.isFrozen(total)).toBe(true);
    expect(() => Object.assign(total, { calls: 99 })).toThrow(TypeError);
    const byNode = ledger.byNode() as Map<string, UsageTotals>;
    byNode.clear();
    byNode.set('ghost', total);
    expect(Object.isFrozen(ledger.byTurn().get(1))).toBe(true);

    const entries = ledger.entries as UsageEntry[];
    expect(Object.isFrozen(entries)).toBe(true);
    expect(Object.isFrozen(entries[0]?.usage)).toBe(true);
    expect(() => entries.push(call(0))).toThrow(TypeError);

    expect(ledger.total()).toEqual({ promptTokens: 1, completionTokens: 2, totalTokens: 3, calls: 1, latencyMs: 4 });
    expect([...ledger.byNode().keys()]).toEqual(['n1']);
    expect(ledger.entries).toEqual([{ nodeId: 'n1', operator: 'Plan', turn: 1, usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 }, latencyMs: 4 }]);
  });

  it('returns a fresh entries list after each record and the same one between records', () => {
    const ledger = new UsageLedger({ retainEntries: 2 });
    ledger.record(call(0));
    const first = ledger.entries;
    expect(ledger.entries).toBe(first);
    ledger.record(call(1));
    expect(first).toHaveLength(1);
    expect(latencies(ledger)).toEqual([0, 1]);
  });
});

describe('UsageLedger.subscribe', () => {
  it('delivers each entry, including child records, after it is counted, until unsubscribed', () => {
    const ledger = new UsageLedger();
    const seen: Array<{ latency: number; callsAtDelivery: number }> = [];
    const unsubscribe = ledger.subscribe((entry) => seen.push({ latency: entry.latencyMs, callsAtDelivery: ledger.total().calls }));
    ledger.record(call(5));
    ledger.child({ nodeId: 'n2', operator: 'Custom', turn: 2 }).record({ promptTokens: 1, completionTokens: 1, totalTokens: 2 }, 7);
    unsubscribe();
    unsubscribe();
    ledger.record(call(9));
    expect(seen).toEqual([
      { latency: 5, callsAtDelivery: 1 },
      { latency: 7, callsAtDelivery: 2 },
    ]);
  });

  it('delivers the stored entry, the same object the entries list holds', () => {
    const ledger = new UsageLedger();
    const seen: UsageEntry[] = [];
    ledger.subscribe((entry) => seen.push(entry));
    ledger.record(call(1));
    expect(seen[0]).toBe(ledger.entries[0]);
    expect(Object.isFrozen(seen[0])).toBe(true);
  });

  it('treats each subscription of the same function separately', () => {
    const ledger = new UsageLedger();
    let calls = 0;
    const listener = (): void => {
      calls += 1;
    };
    const first = ledger.subscribe(listener);
    ledger.subscribe(listener);
    ledger.record(call(0));
    first();
    ledger.record(call(1));
    expect(calls).toBe(3);
  });

  it('isolates a throwing listener: the call is counted, the others still hear it, the error is reported', () => {
    const failures: Array<{ error: unknown; entry: UsageEntry }> = [];
    const ledger = new UsageLedger({ onListenerError: (error, entry) => failures.push({ error, entry }) });
    const before: number[] = [];
    const after: number[] = [];
    const boom = new Error('listener broke');
    ledger.subscribe((e) => before.push(e.latencyMs));
    ledger.subscribe(() => {
      throw boom;
    });
    ledger.subscribe((e) => after.push(e.latencyMs));

    expect(() => ledger.record(call(3))).not.toThrow();
    ledger.record(call(4));

    expect(ledger.total().calls).toBe(2);
    expect(before).toEqual([3, 4]);
    expect(after).toEqual([3, 4]);
    expect(failures.map((f) => [f.error, f.entry.latencyMs])).toEqual([
      [boom, 3],
      [boom, 4],
    ]);
  });

  it('ignores a throwing listener when no error handler is given', () => {
    const ledger = new UsageLedger();
    ledger.subscribe(() => {
      throw new Error('ignored');
    });
    expect(() => ledger.record(call(0))).not.toThrow();
    expect(ledger.recorded).toBe(1);
  });

  it('delivers an entry to the listeners subscribed when it was recorded, even if one changes them', () => {
    const ledger = new UsageLedger();
    const log: string[] = [];
    let unsubscribeLast = (): void => undefined;
    ledger.subscribe((e) => {
      log.push(`first:${e.latencyMs}`);
      if (e.latencyMs === 0) {
        unsubscribeLast();
        ledger.subscribe((later) => log.push(`added:${later.latencyMs}`));
      }
    });
    unsubscribeLast = ledger.subscribe((e) => log.push(`last:${e.latencyMs}`));
    ledger.record(call(0));
    ledger.record(call(1));
    expect(log).toEqual(['first:0', 'last:0', 'first:1', 'added:1']);
  });
});
