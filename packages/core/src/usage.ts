/** Token and latency accounting shared by backends, operators, the executor and the TUI. */
export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
}

export const ZERO_USAGE: TokenUsage = Object.freeze({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
}

/** One LLM call (or one sandbox run, with zero tokens) attributed to a node and a turn. */
export interface UsageEntry {
  readonly nodeId: string;
  readonly operator: string;
  readonly turn: number;
  readonly usage: TokenUsage;
  readonly latencyMs: number;
}

export interface UsageTotals extends TokenUsage {
  readonly calls: number;
  readonly latencyMs: number;
}

const EMPTY_TOTALS: UsageTotals = { ...ZERO_USAGE, calls: 0, latencyMs: 0 };

function accumulate(totals: UsageTotals, entry: UsageEntry): UsageTotals {
  return { ...addUsage(totals, entry.usage), calls: totals.calls + 1, latencyMs: totals.latencyMs + entry.latencyMs };
}

/**
 * Append-only ledger of calls. Totals are derived on read so there is exactly one source of truth,
 * and `child(...)` views let an operator record without knowing its node id or turn.
 */
export class UsageLedger {
  readonly #entries: UsageEntry[] = [];

  record(entry: UsageEntry): void {
    this.#entries.push(Object.freeze({ ...entry, usage: { ...entry.usage } }));
  }

  get entries(): readonly UsageEntry[] {
    return this.#entries;
  }

  total(): UsageTotals {
    return this.#entries.reduce(accumulate, EMPTY_TOTALS);
  }

  byNode(): ReadonlyMap<string, UsageTotals> {
    return this.#groupBy((e) => e.nodeId);
  }

  byTurn(): ReadonlyMap<number, UsageTotals> {
    return this.#groupBy((e) => e.turn);
  }

  byOperator(): ReadonlyMap<string, UsageTotals> {
    return this.#groupBy((e) => e.operator);
  }

  /** A recorder bound to one node and turn. */
  child(scope: { nodeId: string; operator: string; turn: number }): UsageRecorder {
    return {
      record: (usage, latencyMs) => this.record({ ...scope, usage, latencyMs }),
    };
  }

  #groupBy<K>(key: (entry: UsageEntry) => K): ReadonlyMap<K, UsageTotals> {
    const groups = new Map<K, UsageTotals>();
    for (const entry of this.#entries) {
      const k = key(entry);
      groups.set(k, accumulate(groups.get(k) ?? EMPTY_TOTALS, entry));
    }
    return groups;
  }
}

export interface UsageRecorder {
  record(usage: TokenUsage, latencyMs: number): void;
}
