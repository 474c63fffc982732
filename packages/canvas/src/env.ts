import { FlowSteerError, NULL_EVENT_SINK, describeError, throwIfAborted, type EventSink } from '@flowsteer/core';
import { parseAction, type CanvasAction } from './actions.js';
import {
  executionText,
  hasExecutionResult,
  formatChildPromptRequest,
  formatFeedback,
  formatPendingPromptRequest,
  formatPromptSetSuccess,
  memorySummary,
  recordError,
  type CanvasView,
  type ExecutionValue,
  type MemoryState,
  type ProblemType,
} from './feedback.js';
import { WorkflowGraph, type GraphSnapshot } from './graph.js';
import { applyPromptRules, extractPromptContent, isMultipleChoiceProblem, operatorGuidance } from './guidance.js';
import { lazyObservation, withLazyObservation, type CanvasObservation, type CanvasObservationState } from './observation.js';
import { buildActionPrompt, buildPromptRequest } from './prompt.js';
import { finishViolation } from './finish-rules.js';
import { rolesFor, type OperatorRoles } from './roles.js';
import { DEFAULT_LIBRARY, REFERENCE_OPERATORS, sortedNames, type OperatorSpec } from './vocabulary.js';

export interface CanvasTask {
  readonly id?: string;
  readonly problem: string;
  readonly type: ProblemType;
  /** Code tasks: the function the tests call. */
  readonly entryPoint?: string;
  /** Code tasks: unit tests the workflow must pass. */
  readonly test?: string;
}

/**
 * Reference behaviours that are bugs (see the package README). Each defaults to the corrected
 * behaviour; set one to `true` to reproduce the reference for paper-faithful runs.
 */
export interface CanvasQuirks {
  /** Ids are `node_{count+1}` and repeat after deletions (reference bug 13.9). */
  readonly positionalIds: boolean;
  /** An invalid operator name in a single add is accepted, then traps the episode awaiting its prompt (13.8). */
  readonly stuckOnInvalidAdd: boolean;
  /** Free-text "let's finish" / "add Custom" inferred by the fallback parser is executed (13.18). */
  readonly acceptFallbackActions: boolean;
  /** The over-eager multiple-choice detector that disables Programmer on ordinary problems (13.17). */
  readonly multipleChoiceOverTrigger: boolean;
  /**
   * Python's Unicode-aware `re` semantics in the action parser (`\b`, `\d`, `\s`, case folding):
   * `我们添加Programmer` mentions no operator, `<count>５</count>` is 5. Off: ECMAScript semantics.
   */
  readonly pythonRegex: boolean;
}

export const CORRECTED_QUIRKS: CanvasQuirks = Object.freeze({ positionalIds: false, stuckOnInvalidAdd: false, acceptFallbackActions: false, multipleChoiceOverTrigger: false, pythonRegex: false });
export const REFERENCE_QUIRKS: CanvasQuirks = Object.freeze({ positionalIds: true, stuckOnInvalidAdd: true, acceptFallbackActions: true, multipleChoiceOverTrigger: true, pythonRegex: true });

/** Default cap on one step's input: far above any policy output, far below what would stall a step. */
export const DEFAULT_MAX_STEP_CHARS = 256 * 1024;

/** A step's input is larger than `maxStepChars`; nothing changed. */
export class CanvasInputTooLargeError extends FlowSteerError {
  constructor(readonly length: number, readonly limit: number) {
    super('VALIDATION_FAILED', `canvas step input is ${length} characters, over the ${limit}-character limit (maxStepChars); the step was not applied`, { details: { length, limit } });
  }
}

export interface CanvasExecutionRequest {
  readonly task: CanvasTask;
  readonly dsl: string;
  readonly graph: GraphSnapshot;
  readonly prompts: Readonly<Record<string, { operator: string; prompt: string | undefined }>>;
  readonly turn: number;
}

export interface CanvasExecutionResult {
  readonly success: boolean;
  readonly output: ExecutionValue;
}

/** Runs the current workflow on the task. The canvas works without one (execution reported as skipped). */
export interface CanvasExecutor {
  execute(request: CanvasExecutionRequest, signal: AbortSignal): Promise<CanvasExecutionResult>;
}

export interface CanvasOptions {
  readonly maxRounds?: number;
  readonly minOperators?: number;
  readonly requireChecker?: boolean;
  readonly requireStructure?: boolean;
  /** Run the workflow after every completed edit (the reference training setting). */
  readonly executeEachStep?: boolean;
  /** Operators the canvas accepts; defaults to the reference 14. */
  readonly operators?: readonly OperatorSpec[];
  /** Operators advertised to the policy; defaults to the reference library of 12. */
  readonly library?: readonly string[];
  readonly executor?: CanvasExecutor;
  readonly quirks?: Partial<CanvasQuirks>;
  readonly events?: EventSink;
  readonly runId?: string;
  /** Largest input `step` accepts, in UTF-16 code units (default 256 KiB); longer input throws CanvasInputTooLargeError. */
  readonly maxStepChars?: number;
}

export type CanvasPhase = 'building' | 'awaiting_prompt';

export type PendingPrompt =
  | { readonly kind: 'add'; readonly operator: string; readonly position?: number }
  | { readonly kind: 'modify'; readonly target: string; readonly operator: string }
  | {
      readonly kind: 'children';
      readonly structure: 'parallel' | 'conditional' | 'loop';
      readonly parentId: string;
      readonly targets: readonly { readonly nodeId: string; readonly operator: string }[];
      readonly cursor: number;
    };

export interface HistoryEntry {
  readonly round: number;
  readonly kind: 'action' | 'prompt';
  readonly raw: string;
  readonly action?: CanvasAction;
  readonly fallback?: string;
  readonly reasoning?: string;
  readonly accepted: boolean;
  readonly feedback: string;
  readonly dsl: string;
}

/** Everything that changes during an episode, as plain data (JSON-serialisable). */
export interface CanvasState {
  readonly task: CanvasTask;
  readonly graph: GraphSnapshot;
  readonly phase: CanvasPhase;
  readonly round: number;
  readonly pending?: PendingPrompt;
  readonly lastExecutionResult: ExecutionValue | null;
  readonly lastSolverResult: ExecutionValue | null;
  readonly lastFeedback?: string;
  readonly memory: MemoryState;
  readonly finished: boolean;
  readonly forcedFinish: boolean;
  readonly finishAnswer?: string;
  readonly disabledOperators: readonly string[];
  readonly executions: number;
  readonly history: readonly HistoryEntry[];
}

export interface CanvasSnapshot {
  readonly format: 'flowsteer.canvas';
  readonly version: 1;
  readonly state: CanvasState;
}

export interface StepInfo {
  readonly round: number;
  readonly kind: 'action' | 'prompt';
  readonly accepted: boolean;
  readonly action?: CanvasAction;
  readonly fallback?: string;
  readonly reasoning?: string;
  readonly phase: CanvasPhase;
  readonly dsl: string;
  readonly executed: boolean;
  readonly executionResult: ExecutionValue | null;
  readonly finished: boolean;
  readonly forcedFinish: boolean;
}

export interface StepResult {
  /** Rendered on first read (the text is the state after this step). */
  readonly observation: CanvasObservation;
  readonly feedback: string;
  readonly done: boolean;
  readonly info: StepInfo;
}

/** Stepping an episode that already ended, or before reset. */
export class CanvasStateError extends FlowSteerError {
  constructor(message: string) {
    super('ACTION_REJECTED', message);
  }
}

interface Outcome {
  readonly feedback: string;
  readonly accepted: boolean;
  readonly executed?: boolean;
  readonly action?: CanvasAction;
  readonly fallback?: string;
  readonly reasoning?: string;
  readonly kind?: 'action' | 'prompt';
}

const NEVER_ABORTED = new AbortController().signal;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type LiveState = Mutable<Omit<CanvasState, 'graph'>> & { history: HistoryEntry[] };

/** What undo needs: the state fields (shallow: edits replace values, never mutate them), the shared graph snapshot, and how long history was. */
interface UndoEntry {
  readonly state: LiveState;
  readonly graph: GraphSnapshot;
  readonly historyLength: number;
}

/**
 * The Workflow Canvas as a gym-like environment: `reset(task)` then `step(text)` until `done`.
 * Each step parses the policy's text, validates and applies the edit, optionally executes the
 * workflow, and returns the feedback plus the next observation.
 */
export class CanvasEnv {
  readonly maxRounds: number;
  readonly minOperators: number;
  readonly requireChecker: boolean;
  readonly requireStructure: boolean;
  readonly executeEachStep: boolean;
  readonly quirks: CanvasQuirks;
  readonly operatorSpecs: readonly OperatorSpec[];
  readonly library: readonly OperatorSpec[];
  readonly roles: OperatorRoles;
  readonly maxStepChars: number;
  readonly #executor: CanvasExecutor | undefined;
  readonly #events: EventSink;
  readonly #runId: string;
  #graph: WorkflowGraph;
  #state: LiveState | undefined;
  readonly #undo: UndoEntry[] = [];
  #names: readonly string[] | undefined;

  constructor(options: CanvasOptions = {}) {
    this.maxRounds = options.maxRounds ?? 20;
    this.minOperators = options.minOperators ?? 5;
    this.requireChecker = options.requireChecker ?? true;
    this.requireStructure = options.requireStructure ?? true;
    this.executeEachStep = options.executeEachStep ?? true;
    this.quirks = { ...CORRECTED_QUIRKS, ...options.quirks };
    this.operatorSpecs = options.operators ?? REFERENCE_OPERATORS;
    const libraryNames = options.library ?? DEFAULT_LIBRARY.filter((name) => this.operatorSpecs.some((o) => o.name === name));
    this.roles = rolesFor(this.operatorSpecs);
    this.maxStepChars = options.maxStepChars ?? DEFAULT_MAX_STEP_CHARS;
    this.library = libraryNames.map((name) => this.#spec(name) ?? { name, category: 'solver', description: '' });
    this.#executor = options.executor;
    this.#events = options.events ?? NULL_EVENT_SINK;
    this.#runId = options.runId ?? 'canvas';
    this.#graph = this.#newGraph();
  }

  get graph(): WorkflowGraph {
    return this.#graph;
  }

  get state(): CanvasState {
    const state = this.#requireState();
    return { ...state, history: state.history.slice(), graph: this.#graph.snapshot() };
  }

  get done(): boolean {
    return this.#state?.finished ?? false;
  }

  reset(task: CanvasTask): { observation: CanvasObservation; info: StepInfo } {
    this.#graph = this.#newGraph();
    const multipleChoice = isMultipleChoiceProblem(task.problem, task.type, this.quirks.multipleChoiceOverTrigger);
    this.#state = {
      task,
      phase: 'building',
      round: 0,
      lastExecutionResult: null,
      lastSolverResult: null,
      memory: { actions: [], errors: [] },
      finished: false,
      forcedFinish: false,
      disabledOperators: multipleChoice ? ['Programmer'] : [],
      executions: 0,
      history: [],
      // Every key present from the start keeps the object's shape stable (fast copies).
      pending: undefined,
      lastFeedback: undefined,
      finishAnswer: undefined,
    };
    this.#undo.length = 0;
    return withLazyObservation({ info: this.#info({ feedback: '', accepted: true, kind: 'action' }) }, this.#observationLater());
  }

  /** Applies one policy output. Never throws for malformed text: that is feedback. */
  async step(raw: string, signal: AbortSignal = NEVER_ABORTED): Promise<StepResult> {
    const state = this.#requireState();
    if (state.finished) throw new CanvasStateError('the episode has finished; call reset() or undo()');
    throwIfAborted(signal, 'canvas step');
    if (raw.length > this.maxStepChars) throw new CanvasInputTooLargeError(raw.length, this.maxStepChars);
    this.#undo.push({ state: { ...state }, graph: this.#graph.snapshot(), historyLength: state.history.length });
    state.round += 1;
    this.#events.emit({ type: 'turn.started', runId: this.#runId, turn: state.round });

    let outcome: Outcome;
    if (state.round > this.maxRounds) {
      if (state.lastSolverResult !== null) state.lastExecutionResult = state.lastSolverResult;
      state.finished = true;
      state.forcedFinish = true;
      outcome = { accepted: false, kind: 'action', feedback: this.#generic(false, `Maximum rounds (${this.maxRounds}) reached. Workflow auto-finished.`, { final: 'max_rounds' }) };
    } else if (state.phase === 'awaiting_prompt') {
      outcome = { ...(await this.#handlePrompt(raw, signal)), kind: 'prompt' };
    } else {
      outcome = { ...(await this.#handleAction(raw, signal)), kind: 'action' };
    }

    state.lastFeedback = outcome.feedback;
    state.history.push({
        round: state.round,
        kind: outcome.kind ?? 'action',
        raw,
        ...(outcome.action === undefined ? {} : { action: outcome.action }),
        ...(outcome.fallback === undefined ? {} : { fallback: outcome.fallback }),
        ...(outcome.reasoning === undefined ? {} : { reasoning: outcome.reasoning }),
        accepted: outcome.accepted,
        feedback: outcome.feedback,
        dsl: this.#graph.toDsl(),
      });
    this.#events.emit({ type: 'feedback', runId: this.#runId, turn: state.round, text: outcome.feedback, done: state.finished });
    return withLazyObservation({ feedback: outcome.feedback, done: state.finished, info: this.#info(outcome) }, this.#observationLater());
  }

  /** Reverts the last step (including a finish). Returns false when there is nothing to undo. */
  undo(): boolean {
    const previous = this.#undo.pop();
    if (previous === undefined) return false;
    this.#graph = WorkflowGraph.adopt(previous.graph, this.#graphOptions);
    this.#state = previous.state;
    // History is append-only and shared by the undo entries: cut it back.
    this.#state.history.length = previous.historyLength;
    return true;
  }

  get canUndo(): boolean {
    return this.#undo.length > 0;
  }

  snapshot(): CanvasSnapshot {
    return { format: 'flowsteer.canvas', version: 1, state: structuredClone(this.state) };
  }

  /** Restores a snapshot taken at any turn; undo history starts empty. */
  restore(snapshot: CanvasSnapshot): void {
    if (snapshot.format !== 'flowsteer.canvas' || snapshot.version !== 1) throw new CanvasStateError('not a flowsteer.canvas v1 snapshot');
    this.#undo.length = 0;
    this.#load(snapshot.state);
  }

  /** What the policy sees next: an action prompt, or a prompt request while a prompt is pending. */
  observation(): CanvasObservation {
    return this.#observationLater()();
  }

  /** Captures what the observation depends on now; renders it when called. */
  #observationLater(): () => CanvasObservation {
    const state: LiveState = { ...this.#requireState() };
    const dsl = this.#graph.toDsl();
    const stats = this.#graph.statistics();
    const nodes = this.#graph.snapshot().nodes;
    return () => {
      const awaitingPrompt = state.phase === 'awaiting_prompt';
      const pendingOperator = awaitingPrompt && state.pending !== undefined ? this.#pendingOperator(state.pending) : null;
      const renderText = (): string => {
        if (awaitingPrompt && state.pending !== undefined) {
          const operator = this.#pendingOperator(state.pending);
          const context = state.pending.kind === 'children' ? this.#childContext(state.pending, state) : undefined;
          return buildPromptRequest({
            problem: state.task.problem,
            operator,
            description: this.#spec(operator)?.description ?? `Use the ${operator} operator.`,
            ...(context === undefined ? {} : { context }),
          });
        }
        return buildActionPrompt(this.library, {
          problem: state.task.problem,
          problemType: state.task.type,
          round: state.round + 1,
          maxRounds: this.maxRounds,
          dsl,
          totalOperators: stats.totalOperators,
          uniqueTypes: stats.uniqueTypes,
          nodeIds: nodes.map((n) => n.id),
          ...(state.lastFeedback === undefined ? {} : { lastFeedback: state.lastFeedback }),
        });
      };
      const renderState = (): CanvasObservationState => ({
        dsl,
        phase: state.phase,
        round: state.round,
        maxRounds: this.maxRounds,
        operators: stats.operatorList,
        hasParallel: stats.hasParallel,
        hasConditional: stats.hasConditional,
        hasLoop: stats.hasLoop,
        taskType: state.task.type,
        pendingOperator,
        finishAllowed: !state.finished && this.#finishViolation(state, stats) === undefined,
        finished: state.finished,
      });
      return lazyObservation(state.round + 1, awaitingPrompt, renderText, renderState);
    };
  }

  /** The first finish rule that fails, or undefined when finishing is allowed. */
  finishViolation(): { message: string; hint: string } | undefined {
    return this.#finishViolation(this.#requireState(), this.#graph.statistics());
  }

  #finishViolation(state: LiveState, stats: ReturnType<WorkflowGraph['statistics']>): { message: string; hint: string } | undefined {
    return finishViolation(this, {
      operators: stats.operatorList,
      hasStructure: stats.hasParallel || stats.hasConditional || stats.hasLoop,
      problemType: state.task.type,
      ...(state.task.test === undefined ? {} : { test: state.task.test }),
      lastExecutionResult: state.lastExecutionResult,
      roles: this.roles,
    });
  }

  // ---------------------------------------------------------------------------------------------

  async #handleAction(raw: string, signal: AbortSignal): Promise<Outcome> {
    const state = this.#requireState();
    const parsed = parseAction(raw, this.#operatorNames, { semantics: this.quirks.pythonRegex ? 'python' : 'ecmascript' });
    const meta = { action: parsed.action, ...(parsed.fallback === undefined ? {} : { fallback: parsed.fallback }), ...(parsed.reasoning === undefined ? {} : { reasoning: parsed.reasoning }) };
    const action = parsed.action;
    const rejectedFallback = parsed.fallback !== undefined && !this.quirks.acceptFallbackActions;
    this.#events.emit({
      type: 'action.parsed',
      runId: this.#runId,
      turn: state.round,
      actionType: action.type === 'add' ? `add:${action.structure}` : action.type,
      accepted: action.type !== 'invalid' && !rejectedFallback,
      ...(action.type === 'invalid' ? { error: action.error } : rejectedFallback ? { error: parsed.fallback } : {}),
      raw,
    });
    if (action.type === 'invalid') {
      return { ...meta, accepted: false, feedback: this.#generic(false, `Invalid action: ${action.error}`, { hint: 'Please use the correct XML format.' }) };
    }
    if (rejectedFallback) {
      return { ...meta, accepted: false, feedback: this.#generic(false, `Invalid action: no <action> tag found (${parsed.fallback}; free text is not executed).`, { hint: 'Please use the correct XML format.' }) };
    }
    switch (action.type) {
      case 'finish':
        return { ...meta, ...(await this.#handleFinish(action.answer, signal)) };
      case 'add':
        return { ...meta, ...this.#handleAdd(action) };
      case 'delete':
        return { ...meta, ...(await this.#handleDelete(action.target, signal)) };
      case 'modify':
        return { ...meta, ...this.#handleModify(action.target, action.operator) };
      case 'set_prompt':
        return { ...meta, ...(await this.#handleSetPrompt(action.target, action.prompt, signal)) };
    }
  }

  #handleAdd(action: Extract<CanvasAction, { type: 'add' }>): Outcome {
    const state = this.#requireState();
    if (action.structure === 'operator') {
      if (state.disabledOperators.includes(action.operator)) {
        return { accepted: false, feedback: this.#generic(false, `Operator '${action.operator}' is disabled for this problem type.`, { hint: `Available operators: ${this.#available().join(', ')}` }) };
      }
      if (!this.quirks.stuckOnInvalidAdd && !this.#graph.isValidOperator(action.operator)) {
        return { accepted: false, feedback: this.#generic(false, `Invalid operator: ${action.operator}. Valid operators: ${sortedNames(this.#graph.validOperators).join(', ')}`, { hint: 'Operator names are case-sensitive. Please try again.' }) };
      }
      state.phase = 'awaiting_prompt';
      state.pending = { kind: 'add', operator: action.operator, ...(action.position === undefined ? {} : { position: action.position }) };
      return { accepted: true, feedback: formatPendingPromptRequest({ operator: action.operator, view: this.#view(), guidance: this.#guidance(action.operator) }) };
    }
    const operators =
      action.structure === 'conditional' ? [action.condition, action.trueBranch, ...(action.falseBranch === undefined ? [] : [action.falseBranch])] : [...action.operators];
    const disabled = operators.filter((op) => op !== 'done' && state.disabledOperators.includes(op));
    if (disabled.length > 0) {
      return { accepted: false, feedback: this.#generic(false, `Structure contains disabled operator(s): ${disabled.join(', ')}`, { hint: `Available operators: ${this.#available().join(', ')}` }) };
    }
    const result =
      action.structure === 'parallel'
        ? this.#graph.addParallel(action.operators, action.position)
        : action.structure === 'conditional'
          ? this.#graph.addConditional(action.condition, action.trueBranch, action.falseBranch, action.position)
          : this.#graph.addLoop(action.operators, action.count, action.position);
    if (!result.success || result.nodeId === undefined) return { accepted: false, feedback: this.#generic(false, result.message, { hint: 'Please try again.' }) };
    const parentId = result.nodeId;
    const parent = this.#graph.getNode(parentId);
    const children = parent === undefined || parent.type === 'operator' ? [] : parent.type === 'conditional' ? [parent.condition, parent.trueBranch, ...(parent.falseBranch === undefined ? [] : [parent.falseBranch])] : parent.children;
    state.phase = 'awaiting_prompt';
    const pending: PendingPrompt = { kind: 'children', structure: action.structure, parentId, targets: children.map((c) => ({ nodeId: c.id, operator: c.operator })), cursor: 0 };
    state.pending = pending;
    return { accepted: true, feedback: this.#childRequest(pending) };
  }

  #handleModify(target: string, operator: string): Outcome {
    const state = this.#requireState();
    const node = this.#graph.getNode(target);
    if (node === undefined) return { accepted: false, feedback: this.#generic(false, `Target node '${target}' not found`, { hint: 'Use a valid node ID from the workflow.' }) };
    if (!this.#graph.isValidOperator(operator)) {
      return { accepted: false, feedback: this.#generic(false, `Invalid operator: ${operator}`, { hint: `Valid operators: ${sortedNames(this.#graph.validOperators).join(', ')}` }) };
    }
    if (state.disabledOperators.includes(operator)) {
      return { accepted: false, feedback: this.#generic(false, `Operator '${operator}' is disabled for this problem type.`, { hint: `Available operators: ${this.#available().join(', ')}` }) };
    }
    if (!this.quirks.stuckOnInvalidAdd && node.type !== 'operator') {
      return { accepted: false, feedback: this.#generic(false, `Cannot modify non-operator node ${target}`, { hint: 'Modify one of its children, or delete the structure and add a new one.' }) };
    }
    state.phase = 'awaiting_prompt';
    state.pending = { kind: 'modify', target, operator };
    return { accepted: true, feedback: formatPendingPromptRequest({ operator, view: this.#view(), guidance: this.#guidance(operator), modifyTarget: target }) };
  }

  async #handleDelete(target: string, signal: AbortSignal): Promise<Outcome> {
    const state = this.#requireState();
    const result = this.#graph.removeNode(target);
    let execution: { problem: string; result: ExecutionValue } | undefined;
    let executed = false;
    if (result.success) {
      state.memory = { ...state.memory, actions: [...state.memory.actions, { round: state.round, text: `Deleted ${target}` }] };
      if (this.#graph.nodes.length > 0 && this.executeEachStep) {
        execution = { problem: state.task.problem, result: (await this.#execute(signal)).output };
        executed = true;
      }
    }
    return { accepted: result.success, executed, feedback: this.#generic(result.success, result.message, execution === undefined ? {} : { execution }) };
  }

  async #handleSetPrompt(target: string | undefined, prompt: string, signal: AbortSignal): Promise<Outcome> {
    if (target === undefined) return { accepted: false, feedback: this.#generic(false, 'set_prompt rejected: missing <target> node id.', { hint: 'Add <target>node_ID</target> naming the node to change.' }) };
    if (prompt.trim().length < 5) return { accepted: false, feedback: this.#generic(false, 'set_prompt rejected: prompt is too short or empty.', { hint: 'Please provide a detailed prompt for the operator.' }) };
    const result = this.#graph.setNodePrompt(target, prompt.trim());
    if (!result.success || result.operator === undefined) return { accepted: false, feedback: this.#generic(false, result.message, { hint: 'Check the node id in [Workflow Nodes] and try again.' }) };
    const executed = this.executeEachStep;
    const output = executed ? (await this.#execute(signal)).output : null;
    return { accepted: true, executed, feedback: this.#promptSet(result.operator, target, output) };
  }

  async #handleFinish(answer: string | undefined, signal: AbortSignal): Promise<Outcome> {
    const state = this.#requireState();
    const violation = this.finishViolation();
    if (violation !== undefined) return { accepted: false, feedback: this.#generic(false, violation.message, { hint: violation.hint }) };
    state.finished = true;
    if (answer !== undefined) state.finishAnswer = answer;
    state.memory = { ...state.memory, actions: [...state.memory.actions, { round: state.round, text: 'Finished' }] };
    let executed = false;
    if (!this.executeEachStep || state.lastExecutionResult === null) {
      await this.#execute(signal);
      executed = true;
    }
    // Python `or`: an empty answer or result falls through to the next one.
    const shown = answer !== undefined && answer !== '' ? answer : hasExecutionResult(state.lastSolverResult) ? state.lastSolverResult : (state.lastExecutionResult ?? '');
    return {
      accepted: true,
      executed,
      feedback: this.#generic(true, 'Workflow construction finished.', { execution: { problem: state.task.problem, result: shown }, final: 'complete' }),
    };
  }

  async #handlePrompt(raw: string, signal: AbortSignal): Promise<Outcome> {
    const state = this.#requireState();
    const pending = state.pending;
    if (pending === undefined) throw new CanvasStateError('awaiting a prompt with nothing pending');
    const operator = this.#pendingOperator(pending);
    const content = extractPromptContent(raw);
    if (content.length < 5) {
      const lower = raw.toLowerCase();
      if (lower.includes('<think>') || lower.includes('<think_only>')) {
        return { accepted: false, feedback: this.#generic(false, 'Think-Only detected: Your thinking content was filtered out.', { hint: `Write the prompt for ${operator} directly, without <think> tags.` }) };
      }
      return { accepted: false, feedback: this.#generic(false, 'Prompt is too short or empty.', { hint: 'Please provide a detailed prompt for the operator.' }) };
    }
    const prompt = applyPromptRules(content, operator, state.task.type);

    if (pending.kind === 'children') {
      const current = pending.targets[pending.cursor];
      if (current === undefined) throw new CanvasStateError('structure prompt cursor out of range');
      let childPrompt = prompt;
      if (pending.structure === 'conditional' && current.operator === 'Programmer') {
        const lastError = previousError(state.lastExecutionResult);
        if (lastError !== undefined) childPrompt = `[PREVIOUS_ERROR]: ${lastError}\n\nFix the error above in your code.\n${prompt}`;
      }
      this.#graph.setNodePrompt(current.nodeId, childPrompt);
      const next: PendingPrompt = { ...pending, cursor: pending.cursor + 1 };
      if (next.cursor < pending.targets.length) {
        state.pending = next;
        return { accepted: true, feedback: this.#childRequest(next) };
      }
      state.phase = 'building';
      state.pending = undefined;
      const output = this.executeEachStep ? (await this.#execute(signal)).output : null;
      return { accepted: true, executed: this.executeEachStep, feedback: this.#promptSet(current.operator, current.nodeId, output) };
    }

    let nodeId: string;
    if (pending.kind === 'modify') {
      const result = this.#graph.modifyNode(pending.target, pending.operator);
      if (!result.success) return this.#pendingFailed(result.message);
      this.#graph.setNodePrompt(pending.target, prompt);
      nodeId = pending.target;
    } else {
      const result = this.#graph.addOperator(pending.operator, pending.position);
      if (!result.success || result.nodeId === undefined) return this.#pendingFailed(result.message);
      this.#graph.setNodePrompt(result.nodeId, prompt);
      nodeId = result.nodeId;
    }
    state.phase = 'building';
    state.pending = undefined;
    const memoryText = pending.kind === 'modify' && !this.quirks.stuckOnInvalidAdd ? `Modified ${pending.target} to ${pending.operator}` : `Added ${pending.operator}`;
    state.memory = { ...state.memory, actions: [...state.memory.actions, { round: state.round, text: memoryText }] };
    let output: ExecutionValue | null = null;
    if (this.executeEachStep) {
      const execution = await this.#execute(signal);
      output = execution.output;
      if (!execution.success) state.memory = recordError(state.memory, executionText(execution.output));
    }
    return { accepted: true, executed: this.executeEachStep, feedback: this.#promptSet(pending.operator, nodeId, output) };
  }

  #pendingFailed(message: string): Outcome {
    const state = this.#requireState();
    if (this.quirks.stuckOnInvalidAdd) return { accepted: false, feedback: this.#generic(false, message, { hint: 'Please try again.' }) };
    // Corrected: the pending edit is dropped so the episode cannot get stuck on it.
    state.phase = 'building';
    state.pending = undefined;
    return { accepted: false, feedback: this.#generic(false, message, { hint: 'The pending edit was cancelled; choose a valid action.' }) };
  }

  async #execute(signal: AbortSignal): Promise<CanvasExecutionResult> {
    const state = this.#requireState();
    const dsl = this.#graph.toDsl();
    let result: CanvasExecutionResult;
    if (this.#executor === undefined) {
      result = { success: true, output: `(Execution skipped - DSL: ${dsl})` };
    } else {
      try {
        result = await this.#executor.execute({ task: state.task, dsl, graph: this.#graph.snapshot(), prompts: this.#graph.prompts(), turn: state.round }, signal);
      } catch (error) {
        if (signal.aborted) throw error;
        result = { success: false, output: `Execution error: ${describeError(error)}` };
      }
    }
    state.executions += 1;
    state.lastExecutionResult = result.output;
    const ops = this.#graph.statistics().operatorList;
    const lastOp = ops[ops.length - 1];
    if (result.success && lastOp !== undefined && this.roles.resultOperators.has(lastOp)) state.lastSolverResult = result.output;
    return result;
  }

  #promptSet(operator: string, nodeId: string, output: ExecutionValue | null): string {
    const state = this.#requireState();
    const stats = this.#graph.statistics();
    return formatPromptSetSuccess({
      operator,
      nodeId,
      view: this.#view(),
      problem: state.task.problem,
      result: output,
      advisor: { operators: stats.operatorList, problemType: state.task.type, hasRequiredTests: (state.task.test ?? '').trim() !== '', hasParallel: stats.hasParallel, roles: this.roles },
    });
  }

  #childRequest(pending: Extract<PendingPrompt, { kind: 'children' }>): string {
    const current = pending.targets[pending.cursor];
    if (current === undefined) throw new CanvasStateError('structure prompt cursor out of range');
    return formatChildPromptRequest({
      operator: current.operator,
      context: this.#childContext(pending),
      view: this.#view(),
      guidance: this.#guidance(current.operator),
      parallel: pending.structure === 'parallel',
    });
  }

  #childContext(pending: Extract<PendingPrompt, { kind: 'children' }>, state: LiveState = this.#requireState()): string {
    const current = pending.targets[pending.cursor];
    let context = `${pending.structure} prompt ${pending.cursor + 1}/${pending.targets.length} (node_id=${current?.nodeId ?? '?'}, parent=${pending.parentId})`;
    const lastError = pending.structure === 'conditional' && current?.operator === 'Programmer' ? previousError(state.lastExecutionResult) : undefined;
    if (lastError !== undefined) context += `\n[LAST_ERROR]: ${lastError}\nIMPORTANT: Write this error into the Programmer prompt and say what the code must fix.`;
    if (state.task.type === 'code') {
      if (state.task.entryPoint !== undefined) context += `\nentry_point=${state.task.entryPoint}`;
      const tests = testPreview(state.task.test ?? '');
      if (tests !== '') context += `\npublic_tests (truncated):\n${tests}`;
    }
    return context;
  }

  #generic(success: boolean, message: string, extra: { hint?: string; execution?: { problem: string; result: ExecutionValue }; final?: 'complete' | 'max_rounds' } = {}): string {
    const state = this.#requireState();
    return formatFeedback({ success, message, view: this.#view(), memory: memorySummary(state.memory), ...extra });
  }

  #view(): CanvasView {
    const state = this.#requireState();
    const stats = this.#graph.statistics();
    return {
      dsl: this.#graph.toDsl(),
      nodeList: this.#graph.nodeList(),
      totalOperators: stats.totalOperators,
      uniqueTypes: stats.uniqueTypes,
      structures: [...(stats.hasParallel ? (['parallel'] as const) : []), ...(stats.hasConditional ? (['conditional'] as const) : []), ...(stats.hasLoop ? (['loop'] as const) : [])],
      round: state.round,
      maxRounds: this.maxRounds,
    };
  }

  #guidance(operator: string): string {
    const state = this.#requireState();
    return operatorGuidance(operator, this.#spec(operator), state.task.problem, state.task.type);
  }

  #pendingOperator(pending: PendingPrompt): string {
    return pending.kind === 'children' ? (pending.targets[pending.cursor]?.operator ?? '') : pending.operator;
  }

  #available(): string[] {
    const disabled = this.#requireState().disabledOperators;
    return this.library.map((o) => o.name).filter((name) => !disabled.includes(name));
  }

  #spec(name: string): OperatorSpec | undefined {
    return this.operatorSpecs.find((o) => o.name === name);
  }

  #info(outcome: Outcome): StepInfo {
    const state = this.#requireState();
    return {
      round: state.round,
      kind: outcome.kind ?? 'action',
      accepted: outcome.accepted,
      ...(outcome.action === undefined ? {} : { action: outcome.action }),
      ...(outcome.fallback === undefined ? {} : { fallback: outcome.fallback }),
      ...(outcome.reasoning === undefined ? {} : { reasoning: outcome.reasoning }),
      phase: state.phase,
      dsl: this.#graph.toDsl(),
      executed: outcome.executed ?? false,
      executionResult: state.lastExecutionResult,
      finished: state.finished,
      forcedFinish: state.forcedFinish,
    };
  }

  get #operatorNames(): readonly string[] {
    return (this.#names ??= this.operatorSpecs.map((o) => o.name));
  }

  get #graphOptions(): { operators: readonly string[]; parallelForbidden: ReadonlySet<string> } {
    return { operators: this.#operatorNames, parallelForbidden: this.roles.parallelForbidden };
  }

  #newGraph(): WorkflowGraph {
    return new WorkflowGraph({ ...this.#graphOptions, idScheme: this.quirks.positionalIds ? 'positional' : 'unique' });
  }

  #load(state: CanvasState): void {
    const { graph, ...rest } = structuredClone(state);
    this.#graph = WorkflowGraph.adopt(graph, this.#graphOptions);
    this.#state = rest as LiveState;
  }

  #requireState(): LiveState {
    if (this.#state === undefined) throw new CanvasStateError('call reset(task) before using the canvas');
    return this.#state;
  }
}

/** The last execution's error text for a repair prompt (first 300 chars, one line), if it failed. */
function previousError(result: ExecutionValue | null): string | undefined {
  const text = executionText(result);
  return /error|failed|exception/i.test(text) ? text.slice(0, 300).replace(/\n/g, ' ') : undefined;
}

/** Assert-like lines of a test suite (or all non-empty ones), at most 20 lines and 1200 chars. */
export function testPreview(test: string): string {
  const lines = test.split('\n').filter((line) => line.trim() !== '');
  const asserts = lines.filter((line) => line.trim().startsWith('assert'));
  const chosen = asserts.length >= 3 ? asserts : lines;
  const limited = chosen.length > 20 ? [...chosen.slice(0, 12), '...', ...chosen.slice(-8)] : chosen;
  const text = limited.join('\n');
  return text.length > 1200 ? `${text.slice(0, 1200)}... [truncated]` : text;
}
