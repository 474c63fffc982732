import { randomUUID } from 'node:crypto';
import { AbortError, EventBus, StoreError, ValidationError, describeError, throwIfAborted, type CanvasEnvironment, type CanvasStepOutcome, type Policy, type Store } from '@flowsteer/core';
import { CanvasEnv, toMermaid, type CanvasAction, type CanvasSnapshot, type CanvasTask, type StepInfo } from '@flowsteer/canvas';
import { simulatedTokens } from './executor-tokens.js';

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
  /** The workflow that produced the answer; the screen shows the answer only while it is current. */
  readonly dsl?: string;
  /** What each node did during the run. */
  readonly trace?: readonly NodeTrace[];
}

/** One node of a run, for the trace view. */
export interface NodeTrace {
  readonly nodeId: string;
  readonly operator: string;
  readonly prompt?: string;
  readonly output: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly tokens: number;
  readonly latencyMs: number;
  /** Attempts started (more than one means retries). */
  readonly attempts: number;
}

/** How many earlier canvas states are kept (and saved) for undo. */
const UNDO_LIMIT = 50;

export interface SessionSnapshot {
  readonly format: 'flowsteer.session';
  readonly version: 1;
  readonly id: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly task: CanvasTask;
  readonly runtime: string;
  /** The canvas's own snapshot (a `CanvasSnapshot` for the built-in canvas, whatever a plugin canvas keeps otherwise). */
  readonly canvas: CanvasSnapshot | Readonly<Record<string, unknown>>;
  readonly turns: readonly TurnRecord[];
  readonly tokens: number;
  readonly final?: FinalRun;
  /** Earlier canvas states, oldest first: undo survives a restart. */
  readonly undo?: readonly unknown[];
  /** Whether the episode had ended when saved (a plugin canvas's snapshot cannot be read for it). */
  readonly done?: boolean;
}

export interface SessionDeps {
  /** The canvas `canvas.use` names: the built-in `CanvasEnv` or a plugin's. */
  readonly env: CanvasEnvironment;
  readonly policy: Policy;
  /** Runs the finished workflow on the task for the final answer. */
  readonly runFinal: (env: CanvasEnvironment, signal: AbortSignal, task: CanvasTask) => Promise<FinalRun>;
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
  readonly env: CanvasEnvironment;
  /** The built-in canvas when it is the one in use: its graph, prompts and finish rules are shown and edited; a plugin canvas has none of these. */
  readonly workflow: CanvasEnv | undefined;
  readonly events: EventBus;
  readonly runtime: string;
  #policy: Policy;
  /** The task the canvas was reset with (a plugin canvas need not expose its state). */
  readonly #task: CanvasTask;
  readonly #runFinal: SessionDeps['runFinal'];
  readonly #store: Store | undefined;
  #turns: TurnRecord[] = [];
  #tokens = 0;
  #final: FinalRun | undefined;
  #undo: unknown[] = [];
  readonly #nodeOutputs = new Map<string, string>();
  readonly #trace = new Map<string, { operator: string; output: string; ok: boolean; error?: string; tokens: number; latencyMs: number; attempts: number }>();
  #running: string | undefined;
  readonly #listeners = new Set<() => void>();

  private constructor(deps: SessionDeps, id: string, createdAt: string, task: CanvasTask) {
    this.id = id;
    this.createdAt = createdAt;
    this.env = deps.env;
    this.workflow = deps.env instanceof CanvasEnv ? deps.env : undefined;
    this.#task = task;
    this.events = deps.events;
    this.runtime = deps.runtime;
    this.#policy = deps.policy;
    this.#runFinal = deps.runFinal;
    this.#store = deps.store;
    deps.events.on('node.started', (e) => {
      this.#nodeOutputs.set(e.nodeId, '');
      const previous = this.#trace.get(e.nodeId);
      this.#trace.set(e.nodeId, { operator: e.operator, output: '', ok: false, tokens: previous?.tokens ?? 0, latencyMs: previous?.latencyMs ?? 0, attempts: (previous?.attempts ?? 0) + 1 });
      this.#running = `${e.nodeId} ${e.operator}`;
      this.#log({ event: 'node.started', node: e.nodeId, operator: e.operator });
      this.#notify();
    });
    deps.events.on('node.output', (e) => {
      this.#nodeOutputs.set(e.nodeId, `${this.#nodeOutputs.get(e.nodeId) ?? ''}${e.delta}`.slice(-2000));
      const entry = this.#trace.get(e.nodeId);
      if (entry !== undefined) entry.output = `${entry.output}${e.delta}`.slice(-20_000);
      this.#notify();
    });
    deps.events.on('node.finished', (e) => {
      this.#tokens += e.usage.totalTokens;
      const entry = this.#trace.get(e.nodeId);
      if (entry !== undefined) {
        entry.ok = e.ok;
        entry.tokens += e.usage.totalTokens;
        entry.latencyMs += e.latencyMs;
        if (e.error !== undefined) entry.error = e.error;
      }
      this.#running = undefined;
      this.#log({ event: 'node.finished', node: e.nodeId, operator: e.operator, ok: e.ok, tokens: e.usage.totalTokens, latencyMs: Math.round(e.latencyMs), ...(e.error === undefined ? {} : { error: e.error }) });
      this.#notify();
    });
  }

  static async start(task: CanvasTask, deps: SessionDeps): Promise<OrchestrationSession> {
    const session = new OrchestrationSession(deps, randomUUID().slice(0, 8), new Date().toISOString(), task);
    deps.env.reset(task);
    await session.save();
    return session;
  }

  static resume(value: unknown, deps: SessionDeps): OrchestrationSession {
    const snapshot = checkSnapshot(value);
    const session = new OrchestrationSession(deps, snapshot.id, snapshot.createdAt, snapshot.task);
    try {
      deps.env.restore(snapshot.canvas);
    } catch (error) {
      throw new ValidationError(`saved session ${snapshot.id}`, [`its canvas cannot be restored: ${describeError(error)}`], { cause: error });
    }
    session.#turns = [...snapshot.turns];
    session.#tokens = snapshot.tokens;
    session.#final = snapshot.final;
    session.#undo = [...(snapshot.undo ?? [])];
    return session;
  }

  get task(): CanvasTask {
    return this.#task;
  }

  /** Turns played so far. */
  get round(): number {
    return this.workflow?.state.round ?? this.#turns.length;
  }

  /** The round limit, when the canvas has one the session can see. */
  get maxRounds(): number | undefined {
    return this.workflow?.maxRounds;
  }

  /** The workflow on the canvas in words: the built-in canvas's DSL, else what a plugin canvas reports. */
  get dsl(): string {
    return this.workflow?.graph.toDsl() ?? this.env.result?.().workflow ?? '';
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
    return this.workflow === undefined ? this.env.observation().awaitingPrompt : this.workflow.state.phase === 'awaiting_prompt';
  }

  get policyId(): string {
    return this.#policy.id;
  }

  get canUndo(): boolean {
    return this.#undo.length > 0;
  }

  /** The node running right now ("node_2 Programmer"), if any. */
  get runningNode(): string | undefined {
    return this.#running;
  }

  /** The answer, while it still belongs to the workflow on the canvas. */
  get currentFinal(): FinalRun | undefined {
    const final = this.#final;
    if (final === undefined) return undefined;
    return final.dsl === undefined || final.dsl === this.dsl ? final : undefined;
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

  async setPrompt(nodeId: string, prompt: string, signal?: AbortSignal): Promise<TurnRecord | undefined> {
    return this.human(`<action>set_prompt</action><target>${nodeId}</target><prompt>${prompt}</prompt>`, signal);
  }

  async finish(signal?: AbortSignal): Promise<TurnRecord | undefined> {
    return this.human('<action>finish</action>', signal);
  }

  async undo(): Promise<boolean> {
    const previous = this.#undo.pop();
    if (previous === undefined) return false;
    this.env.restore(previous);
    this.#turns = this.#turns.slice(0, -1);
    this.#final = undefined;
    await this.save();
    this.#log({ event: 'undo' });
    this.#notify();
    return true;
  }

  /**
   * Runs the current workflow on the task; the answer is saved with the session. A cancelled run
   * throws AbortError and saves nothing: no half-run answer ever becomes the session's.
   */
  async runFinal(signal: AbortSignal = new AbortController().signal): Promise<FinalRun> {
    throwIfAborted(signal, 'workflow run');
    this.#nodeOutputs.clear();
    this.#trace.clear();
    const dsl = this.dsl;
    const prompts = this.workflow?.graph.prompts() ?? {};
    this.#log({ event: 'run.started', dsl });
    let result: FinalRun;
    try {
      result = await this.#runFinal(this.env, signal, this.task);
    } catch (error) {
      this.#running = undefined;
      this.#log({ event: 'run.failed', error: describeError(error), cancelled: signal.aborted });
      if (signal.aborted) throw new AbortError('workflow run', { cause: error });
      throw error;
    }
    this.#running = undefined;
    if (signal.aborted) {
      this.#log({ event: 'run.cancelled' });
      this.#notify();
      throw new AbortError('workflow run');
    }
    const trace: NodeTrace[] = [...this.#trace.entries()].map(([nodeId, t]) => ({ nodeId, ...t, ...(prompts[nodeId]?.prompt === undefined ? {} : { prompt: prompts[nodeId].prompt }) }));
    this.#final = { ...result, dsl, trace };
    await this.save();
    this.#log({ event: 'run.finished', success: result.success, tokens: result.tokens });
    this.#notify();
    return this.#final;
  }

  export(format: 'json' | 'dsl' | 'mermaid'): string {
    const workflow = this.workflow;
    if (format === 'dsl') return this.dsl;
    if (format === 'mermaid') return workflow === undefined ? `%% this canvas has no graph to draw\n%% ${this.dsl}` : toMermaid(workflow.graph);
    if (workflow === undefined) return JSON.stringify({ task: this.task, dsl: this.dsl, result: this.env.result?.() ?? null }, null, 2);
    return JSON.stringify({ task: this.task, dsl: workflow.graph.toDsl(), nodes: workflow.graph.snapshot().nodes, prompts: workflow.graph.prompts() }, null, 2);
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
      canvas: this.env.snapshot() as SessionSnapshot['canvas'],
      turns: this.#turns,
      tokens: this.#tokens,
      ...(this.#final === undefined ? {} : { final: this.#final }),
      undo: this.#undo,
      done: this.env.done,
    };
  }

  async save(): Promise<void> {
    await this.#store?.put(`sessions/${this.id}`, this.snapshot());
  }

  /** One line of the session's log (`logs/<id>.jsonl` in the store); a failing log never stops work. */
  #log(record: Record<string, unknown>): void {
    void this.#store?.append(`logs/${this.id}`, { at: new Date().toISOString(), ...record }).catch(() => undefined);
  }

  async #apply(text: string, driver: Driver, signal: AbortSignal): Promise<TurnRecord> {
    const before = this.env.snapshot();
    let result: CanvasStepOutcome;
    try {
      result = await this.env.step(text, signal);
    } catch (error) {
      // A cancelled turn leaves the canvas as it was before the turn.
      this.env.restore(before);
      this.#running = undefined;
      this.#notify();
      if (signal.aborted) throw new AbortError(driver === 'policy' ? 'policy turn' : 'your turn', { cause: error });
      throw error;
    }
    if (signal.aborted) {
      this.env.restore(before);
      this.#notify();
      throw new AbortError(driver === 'policy' ? 'policy turn' : 'your turn');
    }
    this.#undo = [...this.#undo, before].slice(-UNDO_LIMIT);
    const info = this.#stepInfo(result, text);
    const turn: TurnRecord = {
      round: info.round,
      kind: info.kind,
      driver,
      text,
      ...(info.reasoning === undefined ? {} : { reasoning: info.reasoning }),
      ...(info.action === undefined ? {} : { action: info.action }),
      accepted: info.accepted,
      feedback: result.feedback,
      dsl: info.dsl,
    };
    this.#turns = [...this.#turns, turn];
    const simulated = simulatedTokens(info.executionResult);
    if (simulated !== undefined && info.executed) this.#tokens += simulated;
    await this.save();
    this.#log({ event: 'turn', round: turn.round, driver, kind: turn.kind, accepted: turn.accepted, text });
    this.#notify();
    return turn;
  }

  /** The built-in canvas reports every detail of a turn; a plugin canvas's turn counts as one accepted action unless its info says otherwise. */
  #stepInfo(result: CanvasStepOutcome, text: string): Pick<StepInfo, 'round' | 'kind' | 'reasoning' | 'action' | 'accepted' | 'dsl' | 'executed' | 'executionResult'> {
    if (this.workflow !== undefined) return result.info as StepInfo;
    const info = result.info as { accepted?: unknown };
    return { round: this.#turns.length + 1, kind: text.includes('<action>') ? 'action' : 'prompt', accepted: info.accepted !== false, dsl: this.dsl, executed: false, executionResult: null };
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}

export interface SessionSummary {
  readonly id: string;
  readonly updatedAt: string;
  readonly task: string;
  readonly dsl: string;
  readonly finished: boolean;
  readonly turns: number;
  /** Why the file cannot be resumed; undefined for a good one. */
  readonly damaged?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A saved value checked to be a session this version can resume; a typed error names what is wrong. */
export function checkSnapshot(value: unknown, where = 'saved session'): SessionSnapshot {
  const issues: string[] = [];
  if (!isRecord(value)) throw new ValidationError(where, ['not a JSON object']);
  if (value['format'] !== 'flowsteer.session') issues.push('format is not "flowsteer.session"');
  if (value['version'] !== 1) issues.push(`version ${JSON.stringify(value['version'])} is not 1`);
  if (typeof value['id'] !== 'string') issues.push('id is missing');
  if (!isRecord(value['task']) || typeof value['task']['problem'] !== 'string') issues.push('task.problem is missing');
  const canvas = value['canvas'];
  // The built-in canvas's snapshot is checked in depth; a plugin canvas's is its own business.
  if (!isRecord(canvas)) issues.push('canvas is missing');
  else if (canvas['format'] === 'flowsteer.canvas' && (!isRecord(canvas['state']) || !isRecord(canvas['state']['graph']) || !Array.isArray(canvas['state']['graph']['nodes']))) issues.push('canvas.state.graph.nodes is missing');
  if (!Array.isArray(value['turns'])) issues.push('turns is not a list');
  if (typeof value['tokens'] !== 'number') issues.push('tokens is not a number');
  if (value['undo'] !== undefined && !Array.isArray(value['undo'])) issues.push('undo is not a list');
  if (issues.length > 0) throw new ValidationError(where, issues);
  return value as unknown as SessionSnapshot;
}

/** The state of a built-in canvas snapshot; undefined for a plugin canvas's. */
export function builtinCanvasState(canvas: SessionSnapshot['canvas']): CanvasSnapshot['state'] | undefined {
  return canvas['format'] === 'flowsteer.canvas' ? (canvas as CanvasSnapshot).state : undefined;
}

/** Summaries of saved sessions, newest first. A damaged file is listed as damaged, never fatal. */
export async function listSessions(store: Store): Promise<SessionSummary[]> {
  const keys = await store.list('sessions/');
  const summaries = await Promise.all(
    keys.map(async (key): Promise<SessionSummary> => {
      const id = key.slice('sessions/'.length);
      try {
        const s = checkSnapshot(await store.get<unknown>(key), `sessions/${id}`);
        const state = builtinCanvasState(s.canvas);
        return { id: s.id, updatedAt: String(s.updatedAt), task: s.task.problem, dsl: state?.graph.nodes.length === 0 ? '' : (s.turns[s.turns.length - 1]?.dsl ?? ''), finished: s.done ?? state?.finished === true, turns: s.turns.length };
      } catch (error) {
        const reason = error instanceof ValidationError ? error.issues.join('; ') : error instanceof StoreError ? 'not valid JSON' : describeError(error);
        return { id, updatedAt: '', task: '', dsl: '', finished: false, turns: 0, damaged: reason };
      }
    }),
  );
  return summaries.sort((a, b) => (a.damaged === undefined) !== (b.damaged === undefined) ? (a.damaged === undefined ? -1 : 1) : b.updatedAt.localeCompare(a.updatedAt));
}
