import { randomUUID } from 'node:crypto';
import { EventBus, throwIfAborted, type Policy, type Store } from '@flowsteer/core';
import { CanvasEnv, toMermaid, type CanvasAction, type CanvasSnapshot, type CanvasTask } from '@flowsteer/canvas';

export type Driver = 'policy' | 'human';

/** One turn as the screen shows it. */
export interface TurnRecord {
  readonly round: number;
  readonly kind: 'action' | 'prompt';
  readonly driver: Driver;
  readonly text: string;
  readonly reasoning?: string;
  readonly action?: CanvasAction;
  readonly accepted: boolean;
  readonly feedback: string;
  readonly dsl: string;
}

export interface FinalRun {
  readonly answer: string;
  readonly success: boolean;
  readonly tokens: number;
  readonly detail?: string;
}

export interface SessionSnapshot {
  readonly format: 'flowsteer.session';
  readonly version: 1;
  readonly id: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly task: CanvasTask;
  readonly runtime: string;
  readonly canvas: CanvasSnapshot;
  readonly turns: readonly TurnRecord[];
  readonly tokens: number;
  readonly final?: FinalRun;
}

export interface SessionDeps {
  readonly env: CanvasEnv;
  readonly policy: Policy;
  /** Runs the finished workflow on the task for the final answer. */
  readonly runFinal: (env: CanvasEnv, signal: AbortSignal) => Promise<FinalRun>;
  readonly events: EventBus;
  readonly store?: Store;
  /** A label for the screen: which policy and executor are in use. */
  readonly runtime: string;
}

/**
 * An interactive orchestration session: the canvas, the policy that drives it, and a human who
 * can step, take over, edit prompts, undo, finish and run the result. Every change is saved
 * atomically to the store, so a killed session resumes where it was.
 */
export class OrchestrationSession {
  readonly id: string;
  readonly createdAt: string;
  readonly env: CanvasEnv;
  readonly events: EventBus;
  readonly runtime: string;
  #policy: Policy;
  readonly #runFinal: SessionDeps['runFinal'];
  readonly #store: Store | undefined;
  #turns: TurnRecord[] = [];
  #tokens = 0;
  #final: FinalRun | undefined;
  readonly #nodeOutputs = new Map<string, string>();
  readonly #listeners = new Set<() => void>();

  private constructor(deps: SessionDeps, id: string, createdAt: string) {
    this.id = id;
    this.createdAt = createdAt;
    this.env = deps.env;
    this.events = deps.events;
    this.runtime = deps.runtime;
    this.#policy = deps.policy;
    this.#runFinal = deps.runFinal;
    this.#store = deps.store;
    deps.events.on('node.started', (e) => {
      this.#nodeOutputs.set(e.nodeId, '');
      this.#notify();
    });
    deps.events.on('node.output', (e) => {
      this.#nodeOutputs.set(e.nodeId, `${this.#nodeOutputs.get(e.nodeId) ?? ''}${e.delta}`.slice(-2000));
      this.#notify();
    });
    deps.events.on('node.finished', (e) => {
      this.#tokens += e.usage.totalTokens;
      this.#notify();
    });
  }

  static async start(task: CanvasTask, deps: SessionDeps): Promise<OrchestrationSession> {
    const session = new OrchestrationSession(deps, randomUUID().slice(0, 8), new Date().toISOString());
    deps.env.reset(task);
    await session.save();
    return session;
  }

  static resume(snapshot: SessionSnapshot, deps: SessionDeps): OrchestrationSession {
    if (snapshot.format !== 'flowsteer.session' || snapshot.version !== 1) throw new Error('not a flowsteer session snapshot');
    const session = new OrchestrationSession(deps, snapshot.id, snapshot.createdAt);
    deps.env.restore(snapshot.canvas);
    session.#turns = [...snapshot.turns];
    session.#tokens = snapshot.tokens;
    session.#final = snapshot.final;
    return session;
  }

  get task(): CanvasTask {
    return this.env.state.task;
  }

  get turns(): readonly TurnRecord[] {
    return this.#turns;
  }

  get tokens(): number {
    return this.#tokens;
  }

  get final(): FinalRun | undefined {
    return this.#final;
  }

  get done(): boolean {
    return this.env.done;
  }

  get awaitingPrompt(): boolean {
    return this.env.state.phase === 'awaiting_prompt';
  }

  get policyId(): string {
    return this.#policy.id;
  }

  nodeOutputs(): ReadonlyMap<string, string> {
    return this.#nodeOutputs;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** One turn by the policy. */
  async step(signal: AbortSignal = new AbortController().signal): Promise<TurnRecord | undefined> {
    if (this.env.done) return undefined;
    throwIfAborted(signal, 'policy turn');
    const output = await this.#policy.act(this.env.observation(), signal);
    return this.#apply(output.text, 'policy', signal);
  }

  /** One turn typed by the human: an XML action, or the prompt the canvas is waiting for. */
  async human(text: string, signal: AbortSignal = new AbortController().signal): Promise<TurnRecord | undefined> {
    if (this.env.done) return undefined;
    return this.#apply(text, 'human', signal);
  }

  async setPrompt(nodeId: string, prompt: string): Promise<TurnRecord | undefined> {
    return this.human(`<action>set_prompt</action><target>${nodeId}</target><prompt>${prompt}</prompt>`);
  }

  async finish(): Promise<TurnRecord | undefined> {
    return this.human('<action>finish</action>');
  }

  async undo(): Promise<boolean> {
    if (!this.env.undo()) return false;
    this.#turns = this.#turns.slice(0, -1);
    this.#final = undefined;
    await this.save();
    this.#notify();
    return true;
  }

  /** Runs the current workflow on the task; the answer is saved with the session. */
  async runFinal(signal: AbortSignal = new AbortController().signal): Promise<FinalRun> {
    this.#nodeOutputs.clear();
    const result = await this.#runFinal(this.env, signal);
    this.#final = result;
    await this.save();
    this.#notify();
    return result;
  }

  export(format: 'json' | 'dsl' | 'mermaid'): string {
    if (format === 'dsl') return this.env.graph.toDsl();
    if (format === 'mermaid') return toMermaid(this.env.graph);
    return JSON.stringify({ task: this.task, dsl: this.env.graph.toDsl(), nodes: this.env.graph.snapshot().nodes, prompts: this.env.graph.prompts() }, null, 2);
  }

  snapshot(): SessionSnapshot {
    return {
      format: 'flowsteer.session',
      version: 1,
      id: this.id,
      createdAt: this.createdAt,
      updatedAt: new Date().toISOString(),
      task: this.task,
      runtime: this.runtime,
      canvas: this.env.snapshot(),
      turns: this.#turns,
      tokens: this.#tokens,
      ...(this.#final === undefined ? {} : { final: this.#final }),
    };
  }

  async save(): Promise<void> {
    await this.#store?.put(`sessions/${this.id}`, this.snapshot());
  }

  async #apply(text: string, driver: Driver, signal: AbortSignal): Promise<TurnRecord> {
    const result = await this.env.step(text, signal);
    const turn: TurnRecord = {
      round: result.info.round,
      kind: result.info.kind,
      driver,
      text,
      ...(result.info.reasoning === undefined ? {} : { reasoning: result.info.reasoning }),
      ...(result.info.action === undefined ? {} : { action: result.info.action }),
      accepted: result.info.accepted,
      feedback: result.feedback,
      dsl: result.info.dsl,
    };
    this.#turns = [...this.#turns, turn];
    const simulated = typeof result.info.executionResult === 'object' && result.info.executionResult !== null ? result.info.executionResult['simulated_tokens'] : undefined;
    if (typeof simulated === 'number' && result.info.executed) this.#tokens += simulated;
    await this.save();
    this.#notify();
    return turn;
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}

/** Summaries of saved sessions, newest first. */
export async function listSessions(store: Store): Promise<Array<{ id: string; updatedAt: string; task: string; dsl: string; finished: boolean; turns: number }>> {
  const keys = await store.list('sessions/');
  const sessions = await Promise.all(keys.map((key) => store.get<SessionSnapshot>(key)));
  return sessions
    .filter((s): s is SessionSnapshot => s !== undefined && s.format === 'flowsteer.session')
    .map((s) => ({ id: s.id, updatedAt: s.updatedAt, task: s.task.problem, dsl: s.canvas.state.graph.nodes.length === 0 ? '' : (s.turns[s.turns.length - 1]?.dsl ?? ''), finished: s.canvas.state.finished, turns: s.turns.length }))
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}
