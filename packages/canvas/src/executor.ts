import {
  AbortError,
  BackendError,
  FlowSteerError,
  NULL_EVENT_SINK,
  StepOutputSchema,
  TimeoutError,
  UsageLedger,
  ValidationError,
  addUsage,
  backoffDelay,
  describeError,
  sleep,
  ZERO_USAGE,
  type EventSink,
  type LlmBackend,
  type Operator,
  type OperatorCategory,
  type Sandbox,
  type StepInput,
  type StepOutput,
  type TokenUsage,
  type UsageTotals,
  type Verdict,
} from '@flowsteer/core';
import type { CanvasExecutionRequest, CanvasExecutionResult, CanvasExecutor, CanvasTask } from './env.js';
import { WorkflowGraph, type GraphSnapshot, type OperatorNode, type WorkflowNode } from './graph.js';
import { LinkedAbort } from './executor-deadline.js';

export interface WorkflowExecutorOptions {
  /** Operators by name (e.g. the entries of the host's operator registry). */
  readonly operators: Iterable<Operator>;
  /** The executor LLM. */
  readonly backend: LlmBackend;
  readonly sandbox?: Sandbox;
  /** Bound on one node run (one attempt). */
  readonly nodeTimeoutMs?: number;
  /** Extra attempts after a timeout or a retryable backend failure. */
  readonly retries?: number;
  readonly retryBaseMs?: number;
  readonly events?: EventSink;
  readonly ledger?: UsageLedger;
  readonly runId?: string;
}

export interface NodeRecord {
  readonly nodeId: string;
  readonly operator: string;
  readonly ok: boolean;
  readonly output?: StepOutput;
  readonly error?: string;
  readonly attempts: number;
  readonly latencyMs: number;
  readonly usage: TokenUsage;
}

export interface WorkflowRun {
  readonly success: boolean;
  /** The final answer text ('' when the run failed). */
  readonly answer: string;
  readonly error?: string;
  /** Final code, for code tasks. */
  readonly code?: string;
  /** The last checker verdict, when the last node was a checker. */
  readonly verdict?: Verdict;
  readonly nodes: readonly NodeRecord[];
  readonly usage: UsageTotals;
  readonly latencyMs: number;
}

/** A node that failed for good (after retries); ends the run with a readable error. */
export class NodeFailedError extends FlowSteerError {
  constructor(
    readonly nodeId: string,
    readonly operator: string,
    message: string,
    cause?: unknown,
  ) {
    super('VALIDATION_FAILED', `${operator} (${nodeId}) failed: ${message}`, { cause, details: { nodeId, operator } });
  }
}

interface FlowState {
  readonly previous: string;
  readonly solution: string;
  readonly candidates: readonly string[];
  readonly feedback: string;
  readonly plan: string;
  readonly code: string;
  readonly verdict?: Verdict;
  readonly lastWasChecker: boolean;
}

/** What one run collects: its node records and the usage of its own calls. */
interface RunLog {
  readonly records: NodeRecord[];
  usage: UsageTotals;
}

const EMPTY_STATE: FlowState = { previous: '', solution: '', candidates: [], feedback: '', plan: '', code: '', lastWasChecker: false };

/** Most frequent trimmed value; ties go to the earliest. */
export function majority(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value.trim(), (counts.get(value.trim()) ?? 0) + 1);
  let best = values[0]?.trim() ?? '';
  for (const [value, count] of counts) if (count > (counts.get(best) ?? 0)) best = value;
  return best;
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The operator saw the abort while starting; its own rejection is expected and ignored.
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Runs a workflow graph on a task with real structure semantics: sequential data flow, parallel
 * branches concurrently (joined into `candidates`), conditionals (the repair branch runs when the
 * check fails), loops `count` times. Every node gets a timeout and retries; the run's AbortSignal
 * cancels everything in flight; tokens, latency and calls go to a usage ledger per node and turn.
 */
export class WorkflowExecutor implements CanvasExecutor {
  readonly #operators: ReadonlyMap<string, Operator>;
  readonly #backend: LlmBackend;
  readonly #sandbox: Sandbox | undefined;
  readonly #nodeTimeoutMs: number;
  readonly #retries: number;
  readonly #retryBaseMs: number;
  readonly #events: EventSink;
  readonly ledger: UsageLedger;
  readonly #runId: string;

  constructor(options: WorkflowExecutorOptions) {
    this.#operators = new Map([...options.operators].map((op) => [op.name, op]));
    this.#backend = options.backend;
    this.#sandbox = options.sandbox;
    this.#nodeTimeoutMs = options.nodeTimeoutMs ?? 120_000;
    this.#retries = options.retries ?? 2;
    this.#retryBaseMs = options.retryBaseMs ?? 500;
    this.#events = options.events ?? NULL_EVENT_SINK;
    this.ledger = options.ledger ?? new UsageLedger();
    this.#runId = options.runId ?? 'run';
  }

  /** CanvasExecutor: what the canvas calls after each completed edit. */
  async execute(request: CanvasExecutionRequest, signal: AbortSignal): Promise<CanvasExecutionResult> {
    const run = await this.run(request.graph, request.task, { turn: request.turn, signal });
    if (!run.success) return { success: false, output: `Execution error: ${run.error ?? 'unknown failure'}` };
    const output: Record<string, unknown> = { output: run.answer };
    if (run.code !== undefined && run.code !== '') output['code'] = run.code;
    if (run.verdict !== undefined) {
      output['is_correct'] = run.verdict.passed;
      output['confidence'] = run.verdict.confidence ?? 'unknown';
      output['answer'] = run.verdict.answer ?? run.answer;
    }
    return { success: true, output };
  }

  async run(graph: WorkflowGraph | GraphSnapshot, task: CanvasTask, options: { turn?: number; signal?: AbortSignal } = {}): Promise<WorkflowRun> {
    const signal = options.signal ?? new AbortController().signal;
    const turn = options.turn ?? 0;
    const snapshot = graph instanceof WorkflowGraph ? graph.snapshot() : graph;
    // The run's own calls, counted as they are recorded: the shared ledger also holds every other
    // run's entries, interleaved when runs overlap.
    const log: RunLog = { records: [], usage: { ...ZERO_USAGE, calls: 0, latencyMs: 0 } };
    const started = performance.now();
    let state = EMPTY_STATE;
    let error: string | undefined;
    try {
      for (const node of snapshot.nodes) state = await this.#runItem(node, state, task, turn, signal, log);
    } catch (caught) {
      if (signal.aborted) throw caught instanceof AbortError ? caught : new AbortError('workflow run', { cause: signal.reason });
      error = describeError(caught);
    }
    const usage = log.usage;
    const answer = state.solution !== '' ? state.solution : state.previous;
    return {
      success: error === undefined,
      answer: error === undefined ? answer : '',
      ...(error === undefined ? {} : { error }),
      ...(state.code === '' ? {} : { code: state.code }),
      ...(state.lastWasChecker && state.verdict !== undefined ? { verdict: state.verdict } : {}),
      nodes: log.records,
      usage,
      latencyMs: performance.now() - started,
    };
  }

  async #runItem(node: WorkflowNode, state: FlowState, task: CanvasTask, turn: number, signal: AbortSignal, log: RunLog): Promise<FlowState> {
    switch (node.type) {
      case 'operator': {
        const out = await this.#runNode(node, state, task, turn, signal, log);
        return this.#apply(state, node.operator, out);
      }
      case 'parallel': {
        // Branches see the same input; a failing branch fails the block (and cancels its siblings).
        const branches = new LinkedAbort(signal);
        const outputs = await Promise.all(
          node.children.map((child) =>
            this.#runNode(child, state, task, turn, branches.signal, log).catch((error: unknown) => {
              branches.abort(error);
              throw error;
            }),
          ),
        ).finally(() => branches.release());
        const responses = outputs.map((o) => o.response);
        const codes = outputs.map((o) => o.code).filter((c): c is string => c !== undefined && c !== '');
        return {
          ...state,
          candidates: responses,
          solution: majority(responses),
          previous: responses.join('\n---\n'),
          code: codes[codes.length - 1] ?? state.code,
          feedback: '',
          lastWasChecker: false,
        };
      }
      case 'conditional': {
        const checked = await this.#runNode(node.condition, state, task, turn, signal, log);
        let next = this.#apply(state, node.condition.operator, checked);
        // Operators without a verdict count as a failed check, as in the reference.
        const passed = checked.verdict?.passed ?? false;
        const branch = passed ? node.falseBranch : node.trueBranch;
        if (branch !== undefined) next = this.#apply(next, branch.operator, await this.#runNode(branch, next, task, turn, signal, log));
        return next;
      }
      case 'loop': {
        let next = state;
        for (let i = 0; i < node.count; i++) {
          for (const child of node.children) next = this.#apply(next, child.operator, await this.#runNode(child, next, task, turn, signal, log));
        }
        return next;
      }
    }
  }

  #apply(state: FlowState, operatorName: string, out: StepOutput): FlowState {
    const category: OperatorCategory = this.#operators.get(operatorName)?.category ?? 'solver';
    const code = out.code !== undefined && out.code !== '' ? out.code : state.code;
    if (category === 'checker') {
      const verdict = out.verdict;
      return {
        ...state,
        code,
        // A checker that repaired code (Test) hands the repaired code on as the solution.
        solution: out.code !== undefined && out.code !== '' ? out.code : state.solution,
        previous: state.solution !== '' ? state.solution : state.previous,
        feedback: verdict?.feedback ?? out.response,
        ...(verdict === undefined ? {} : { verdict }),
        lastWasChecker: true,
      };
    }
    if (category === 'planner') {
      return { ...state, plan: out.response, previous: out.response, lastWasChecker: false };
    }
    return {
      ...state,
      code,
      solution: out.response,
      previous: out.response,
      feedback: '',
      candidates: category === 'ensemble' ? [] : state.candidates,
      lastWasChecker: false,
    };
  }

  // Built whole and typed; the operator's own input schema is the one check (parsing it here too
  // ran zod twice per node).
  #input(state: FlowState, node: OperatorNode, task: CanvasTask): StepInput {
    return {
      problem: task.problem,
      instruction: node.prompt ?? '',
      previous: state.previous,
      solution: state.solution,
      candidates: [...state.candidates],
      feedback: state.feedback,
      plan: state.plan,
      code: state.code,
      problemType: task.type,
      ...(task.entryPoint === undefined ? {} : { entryPoint: task.entryPoint }),
      ...(task.test === undefined ? {} : { tests: task.test }),
    };
  }

  async #runNode(node: OperatorNode, state: FlowState, task: CanvasTask, turn: number, signal: AbortSignal, log: RunLog): Promise<StepOutput> {
    const operator = this.#operators.get(node.operator);
    const started = performance.now();
    const fail = (message: string, attempts: number, usage: TokenUsage, cause?: unknown): never => {
      const latencyMs = performance.now() - started;
      log.records.push({ nodeId: node.id, operator: node.operator, ok: false, error: message, attempts, latencyMs, usage });
      this.#events.emit({ type: 'node.finished', runId: this.#runId, nodeId: node.id, operator: node.operator, ok: false, usage, latencyMs, error: message, turn });
      throw new NodeFailedError(node.id, node.operator, message, cause);
    };
    this.#events.emit({ type: 'node.started', runId: this.#runId, nodeId: node.id, operator: node.operator, turn });
    if (operator === undefined) return fail(`operator "${node.operator}" is not installed (installed: ${[...this.#operators.keys()].sort().join(', ') || 'none'})`, 0, ZERO_USAGE);
    const parsedInput = operator.inputSchema.safeParse(this.#input(state, node, task));
    if (!parsedInput.success) return fail(new ValidationError('input', parsedInput.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).message, 0, ZERO_USAGE);

    let usage: TokenUsage = ZERO_USAGE;
    const recorder = this.ledger.child({ nodeId: node.id, operator: node.operator, turn });
    for (let attempt = 1; ; attempt++) {
      const deadline = new LinkedAbort(signal, this.#nodeTimeoutMs);
      const attemptSignal = deadline.signal;
      try {
        const raw = await raceAbort(
          operator.run(parsedInput.data, {
            nodeId: node.id,
            turn,
            backend: this.#backend,
            ...(node.prompt === undefined ? {} : { prompt: node.prompt }),
            signal: attemptSignal,
            usage: {
              record: (callUsage, latencyMs) => {
                usage = addUsage(usage, callUsage);
                log.usage = { ...addUsage(log.usage, callUsage), calls: log.usage.calls + 1, latencyMs: log.usage.latencyMs + latencyMs };
                recorder.record(callUsage, latencyMs);
              },
            },
            events: this.#events,
            ...(this.#sandbox === undefined ? {} : { sandbox: this.#sandbox }),
            runId: this.#runId,
          }),
          attemptSignal,
        );
        const output = StepOutputSchema.safeParse(raw);
        if (!output.success) return fail(`returned an invalid output: ${output.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, attempt, usage);
        const latencyMs = performance.now() - started;
        log.records.push({ nodeId: node.id, operator: node.operator, ok: true, output: output.data, attempts: attempt, latencyMs, usage });
        this.#events.emit({ type: 'node.finished', runId: this.#runId, nodeId: node.id, operator: node.operator, ok: true, usage, latencyMs, turn });
        return output.data;
      } catch (error) {
        if (error instanceof NodeFailedError) throw error;
        if (signal.aborted) throw new AbortError(`node ${node.id}`, { cause: signal.reason });
        const timedOut = deadline.timedOut;
        const retryable = timedOut || (error instanceof BackendError && error.retryable);
        const message = timedOut ? new TimeoutError(`node ${node.id}`, this.#nodeTimeoutMs).message : describeError(error);
        if (!retryable || attempt > this.#retries) return fail(attempt > 1 ? `${message} (after ${attempt} attempts)` : message, attempt, usage, error);
        await sleep(backoffDelay(attempt - 1, this.#retryBaseMs, 10_000), signal);
      } finally {
        deadline.release();
      }
    }
  }
}
