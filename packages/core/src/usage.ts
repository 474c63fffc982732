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

export interface UsageLedgerOptions {
  /**
   * How many of the most recent entries `entries` keeps (default 10 000). Totals always cover
   * every call; this only bounds memory. `0` keeps none, `Infinity` keeps all.
   */
  readonly retainEntries?: number;
  /** Called when a `subscribe` listener throws; the error never reaches `record`. Ignored by default. */
  readonly onListenerError?: (error: unknown, entry: UsageEntry) => void;
}

export const DEFAULT_RETAINED_USAGE_ENTRIES = 10_000;

/** A mutable sum, kept private to the ledger; readers get frozen copies. */
class RunningTotals {
  promptTokens = 0;
  completionTokens = 0;
  totalTokens = 0;
  calls = 0;
  latencyMs = 0;

  add(entry: UsageEntry): void {
    this.promptTokens += entry.usage.promptTokens;
    this.completionTokens += entry.usage.completionTokens;
    this.totalTokens += entry.usage.totalTokens;
    this.calls += 1;
    this.latencyMs += entry.latencyMs;
  }

  snapshot(): UsageTotals {
    return Object.freeze({
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      totalTokens: this.totalTokens,
      calls: this.calls,
      latencyMs: this.latencyMs,
    });
  }
}

/**
 * A frozen copy of exactly the entry's fields. Written out field by field: freezing a spread copy
 * is several times slower in V8, and this runs on every call.
 */
function freezeEntry(entry: UsageEntry): UsageEntry {
  const { usage } = entry;
  return Object.freeze({
    nodeId: entry.nodeId,
    operator: entry.operator,
    turn: entry.turn,
    usage: Object.freeze({ promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, totalTokens: usage.totalTokens }),
    latencyMs: entry.latencyMs,
  });
}

function addTo<K>(groups: Map<K, RunningTotals>, key: K, entry: UsageEntry): void {
  let totals = groups.get(key);
  if (totals === undefined) {
    totals = new RunningTotals();
    groups.set(key, totals);
  }
  totals.add(entry);
}

function snapshotGroups<K>(groups: ReadonlyMap<K, RunningTotals>): ReadonlyMap<K, UsageTotals> {
  const copy = new Map<K, UsageTotals>();
  for (const [key, totals] of groups) copy.set(key, totals.snapshot());
  return copy;
}

function retainLimit(value: number | undefined): number {
  if (value === undefined) return DEFAULT_RETAINED_USAGE_ENTRIES;
  if (value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 0)) return value;
  throw new RangeError(`retainEntries must be a non-negative integer or Infinity, got ${value}`);
}

/** One listener registration; its own object so the same function can subscribe twice. */
interface Subscription {
  readonly listener: (entry: UsageEntry) => void;
}

/**
 * Ledger of calls. Totals (overall and per node, turn and operator) are kept as running sums, so
 * they are exact over every call ever recorded while only the most recent `retainEntries` entries
 * stay in memory (a ring buffer). `child(...)` views let an operator record without knowing its
 * node id or turn, and `subscribe` lets an observer see each entry as it is recorded.
 */
export class UsageLedger {
  readonly #retain: number;
  readonly #onListenerError: (error: unknown, entry: UsageEntry) => void;
  /** Retained entries; once full, `#head` is the oldest and the next slot to overwrite. */
  readonly #ring: UsageEntry[] = [];
  #head = 0;
  #entriesView: readonly UsageEntry[] | undefined;
  readonly #total = new RunningTotals();
  readonly #byNode = new Map<string, RunningTotals>();
  readonly #byTurn = new Map<number, RunningTotals>();
  readonly #byOperator = new Map<string, RunningTotals>();
  /** Replaced, never mutated, so (un)subscribing inside a listener does not disturb delivery. */
  #subscriptions: readonly Subscription[] = [];

  constructor(options: UsageLedgerOptions = {}) {
    this.#retain = retainLimit(options.retainEntries);
    this.#onListenerError = options.onListenerError ?? (() => undefined);
  }

  record(entry: UsageEntry): void {
    const stored = freezeEntry(entry);
    this.#total.add(stored);
    addTo(this.#byNode, stored.nodeId, stored);
    addTo(this.#byTurn, stored.turn, stored);
    addTo(this.#byOperator, stored.operator, stored);
    this.#retainEntry(stored);
    for (const subscription of this.#subscriptions) {
      try {
        subscription.listener(stored);
      } catch (error) {
        this.#onListenerError(error, stored);
      }
    }
  }

  /**
   * Calls `listener` with each entry recorded from now on, after it is counted in the totals.
   * A throwing listener is isolated: its error goes to `onListenerError`, and recording and the
   * other listeners carry on. Returns the function that unsubscribes (safe to call twice).
   */
  subscribe(listener: (entry: UsageEntry) => void): () => void {
    const subscription: Subscription = { listener };
    this.#subscriptions = [...this.#subscriptions, subscription];
    return () => {
      this.#subscriptions = this.#subscriptions.filter((s) => s !== subscription);
    };
  }

  /** The retained entries, oldest first: the last `retainEntries` calls, or fewer (see `dropped`). */
  get entries(): readonly UsageEntry[] {
    this.#entriesView ??= Object.freeze([...this.#ring.slice(this.#head), ...this.#ring.slice(0, this.#head)]);
    return this.#entriesView;
  }

  /** Every call ever recorded, retained or not. */
  get recorded(): number {
    return this.#total.calls;
  }

  /** Calls no longer in `entries` (still counted in every total). */
  get dropped(): number {
    return this.#total.calls - this.#ring.length;
  }

  /** The largest number of entries kept. */
  get retainEntries(): number {
    return this.#retain;
  }

  total(): UsageTotals {
    return this.#total.snapshot();
  }

  byNode(): ReadonlyMap<string, UsageTotals> {
    return snapshotGroups(this.#byNode);
  }

  byTurn(): ReadonlyMap<number, UsageTotals> {
    return snapshotGroups(this.#byTurn);
  }

  byOperator(): ReadonlyMap<string, UsageTotals> {
    return snapshotGroups(this.#byOperator);
  }

  /** A recorder bound to one node and turn. */
  child(scope: { nodeId: string; operator: string; turn: number }): UsageRecorder {
    return {
      record: (usage, latencyMs) => this.record({ ...scope, usage, latencyMs }),
    };
  }

  #retainEntry(entry: UsageEntry): void {
    if (this.#retain === 0) return;
    this.#entriesView = undefined;
    if (this.#ring.length < this.#retain) {
      this.#ring.push(entry);
      return;
    }
    this.#ring[this.#head] = entry;
    this.#head = (this.#head + 1) % this.#retain;
  }
}

export interface UsageRecorder {
  record(usage: TokenUsage, latencyMs: number): void;
}
