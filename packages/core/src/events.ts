import type { TokenUsage } from './usage.js';

/**
 * The typed event stream. Every long-running package (canvas, executor, rollouts, eval) emits
 * these; the TUI, logs and traces consume them. Each event carries `runId` so streams from
 * concurrent rollouts can be told apart, and `at` (ms since epoch) for timelines.
 */
interface EventBase {
  readonly runId: string;
  readonly at: number;
}

export interface TurnStartedEvent extends EventBase {
  readonly type: 'turn.started';
  readonly turn: number;
}

export interface ActionParsedEvent extends EventBase {
  readonly type: 'action.parsed';
  readonly turn: number;
  readonly actionType: string;
  readonly accepted: boolean;
  readonly error?: string;
  readonly raw: string;
}

export interface NodeStartedEvent extends EventBase {
  readonly type: 'node.started';
  readonly nodeId: string;
  readonly operator: string;
  readonly turn?: number;
}

export interface NodeOutputEvent extends EventBase {
  readonly type: 'node.output';
  readonly nodeId: string;
  /** An incremental piece of streamed text. */
  readonly delta: string;
}

export interface NodeFinishedEvent extends EventBase {
  readonly type: 'node.finished';
  readonly nodeId: string;
  readonly operator: string;
  readonly ok: boolean;
  readonly usage: TokenUsage;
  readonly latencyMs: number;
  readonly error?: string;
  readonly turn?: number;
}

export interface FeedbackEvent extends EventBase {
  readonly type: 'feedback';
  readonly turn: number;
  readonly text: string;
  readonly done: boolean;
}

export interface RewardEvent extends EventBase {
  readonly type: 'reward';
  readonly total: number;
  readonly breakdown: Readonly<Record<string, number>>;
}

export interface PluginEvent extends EventBase {
  readonly type: 'plugin.loaded' | 'plugin.skipped';
  readonly plugin: string;
  readonly reason?: string;
}

export interface LogEvent extends EventBase {
  readonly type: 'log';
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
}

export type FlowSteerEvent =
  | TurnStartedEvent
  | ActionParsedEvent
  | NodeStartedEvent
  | NodeOutputEvent
  | NodeFinishedEvent
  | FeedbackEvent
  | RewardEvent
  | PluginEvent
  | LogEvent;

export type FlowSteerEventType = FlowSteerEvent['type'];
export type EventOf<T extends FlowSteerEventType> = Extract<FlowSteerEvent, { type: T }>;
/** What an emitter passes in: `at` is filled in by the bus when omitted. */
export type EventInput = FlowSteerEvent extends infer E ? (E extends FlowSteerEvent ? Omit<E, 'at'> & { at?: number } : never) : never;

export type Unsubscribe = () => void;

/** The narrow interface producers depend on, so a no-op or a forwarding sink can stand in. */
export interface EventSink {
  emit(event: EventInput): void;
  /**
   * False when nobody would see events of `type`, so a producer may skip work it does only to emit
   * them (a node's streamed deltas). A sink without it is assumed to want everything.
   */
  wants?(type: FlowSteerEventType): boolean;
}

/**
 * Synchronous in-process event bus. A throwing listener is isolated: it is reported to
 * `onListenerError` and never breaks the producer or the other listeners.
 */
export class EventBus implements EventSink {
  readonly #listeners = new Map<FlowSteerEventType | '*', Set<(event: FlowSteerEvent) => void>>();
  readonly #onListenerError: (error: unknown, event: FlowSteerEvent) => void;

  constructor(options: { onListenerError?: (error: unknown, event: FlowSteerEvent) => void } = {}) {
    this.#onListenerError = options.onListenerError ?? (() => undefined);
  }

  emit(input: EventInput): void {
    if (!this.wants(input.type)) return;
    const event = { ...input, at: input.at ?? Date.now() } as FlowSteerEvent;
    for (const key of [event.type, '*'] as const) {
      for (const listener of this.#listeners.get(key) ?? []) {
        try {
          listener(event);
        } catch (error) {
          this.#onListenerError(error, event);
        }
      }
    }
  }

  wants(type: FlowSteerEventType): boolean {
    return (this.#listeners.get(type)?.size ?? 0) > 0 || (this.#listeners.get('*')?.size ?? 0) > 0;
  }

  on<T extends FlowSteerEventType>(type: T, listener: (event: EventOf<T>) => void): Unsubscribe {
    return this.#add(type, listener as (event: FlowSteerEvent) => void);
  }

  onAny(listener: (event: FlowSteerEvent) => void): Unsubscribe {
    return this.#add('*', listener);
  }

  /** Async iteration over events until the signal aborts; events are buffered, none are dropped. */
  async *stream(signal: AbortSignal): AsyncGenerator<FlowSteerEvent, void, undefined> {
    const queue: FlowSteerEvent[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = this.onAny((event) => {
      queue.push(event);
      wake?.();
    });
    const onAbort = (): void => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted || queue.length > 0) {
        const next = queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (signal.aborted) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      unsubscribe();
    }
  }

  #add(key: FlowSteerEventType | '*', listener: (event: FlowSteerEvent) => void): Unsubscribe {
    let set = this.#listeners.get(key);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }
}

/** A sink that drops everything; the default when nobody listens. */
export const NULL_EVENT_SINK: EventSink = { emit: () => undefined, wants: () => false };
