/**
 * The Workflow Canvas as a gym-like environment. A step parses the policy's text, validates and
 * applies the edit, runs the workflow when the edit completes (if configured), and returns the
 * feedback. Everything but the execution is synchronous: a step that runs nothing settles at once.
 */
import { NULL_EVENT_SINK, describeError, throwIfAborted, type EventSink } from '@flowsteer/core';
import { parseAction, type CanvasAction, type ParseOptions } from './actions.js';
import { executionText, hasExecutionResult } from './feedback/values.js';
import { recordError } from './feedback/memory.js';
import { WorkflowGraph, type GraphOptions, type GraphSnapshot } from './graph.js';
import { applyPromptRules, extractPromptContent, isMultipleChoiceProblem } from './guidance.js';
import type { CanvasObservation } from './observation.js';
import { FrameObservation, type ObservationFrame } from './observation-frame.js';
import { CanvasObservationRenderer, pendingOperator } from './observation-render.js';
import { indexVocabulary, libraryOf } from './vocabulary-index.js';
import { rolesFor, type OperatorRoles } from './roles.js';
import { episodeTextFor, previousError, type ChildrenPending, type EpisodeText, type EpisodeTextSettings, type FeedbackExtra } from './step-text.js';
import { historyEntry, newOutcome, stepInfo, type Outcome } from './step-records.js';
import { REFERENCE_OPERATORS, type OperatorSpec } from './vocabulary.js';
import {
  CORRECTED_QUIRKS,
  CanvasInputTooLargeError,
  CanvasStateError,
  DEFAULT_MAX_STEP_CHARS,
  type CanvasExecutionResult,
  type CanvasExecutor,
  type CanvasOptions,
  type CanvasQuirks,
  type CanvasSnapshot,
  type CanvasState,
  type CanvasTask,
  type HistoryEntry,
  type StepInfo,
  type StepResult,
} from './env-types.js';

export * from './env-types.js';
export { testPreview } from './step-text.js';

const NEVER_ABORTED = new AbortController().signal;
/** The sorted "Valid operators" text per accepted-name set (graphs of one vocabulary share the set). */

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type LiveState = Mutable<Omit<CanvasState, 'graph'>> & { history: HistoryEntry[] };

/** What undo needs: the state fields (shallow: edits replace values, never mutate them), the shared graph snapshot, and how long history was. */
interface UndoEntry {
  readonly state: LiveState;
  readonly graph: GraphSnapshot;
  readonly historyLength: number;
}

/** Writes a step's feedback once the workflow has run (edits that complete a workflow change). */
type AfterExecution = (result: CanvasExecutionResult) => void;


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
  /** False when nobody listens: events are then not even built. */
  readonly #emitting: boolean;
  readonly #runId: string;
  readonly #parseOptions: ParseOptions;
  readonly #specs: ReadonlyMap<string, OperatorSpec>;
  readonly #renderer: CanvasObservationRenderer;
  #graph: WorkflowGraph;
  #state: LiveState | undefined;
  #text: EpisodeText | undefined;
  /** The state fields as the last step (or reset) left them, shared by its observation and the next undo entry. */
  #committed: LiveState | undefined;
  readonly #undo: UndoEntry[] = [];
  readonly #names: readonly string[];
  #newGraphOptions: GraphOptions | undefined;
  #textSettings: EpisodeTextSettings | undefined;

  constructor(options: CanvasOptions = {}) {
    this.maxRounds = options.maxRounds ?? 20;
    this.minOperators = options.minOperators ?? 5;
    this.requireChecker = options.requireChecker ?? true;
    this.requireStructure = options.requireStructure ?? true;
    this.executeEachStep = options.executeEachStep ?? true;
    this.quirks = { ...CORRECTED_QUIRKS, ...options.quirks };
    this.operatorSpecs = options.operators ?? REFERENCE_OPERATORS;
    const vocabulary = indexVocabulary(this.operatorSpecs);
    this.#specs = vocabulary.specs;
    this.#names = vocabulary.names;
    this.roles = rolesFor(this.operatorSpecs);
    this.maxStepChars = options.maxStepChars ?? DEFAULT_MAX_STEP_CHARS;
    this.library = options.library === undefined ? vocabulary.defaultLibrary : libraryOf(vocabulary.specs, options.library);
    this.#executor = options.executor;
    this.#events = options.events ?? NULL_EVENT_SINK;
    this.#emitting = this.#events !== NULL_EVENT_SINK;
    this.#runId = options.runId ?? 'canvas';
    this.#parseOptions = { semantics: this.quirks.pythonRegex ? 'python' : 'ecmascript' };
    this.#renderer = new CanvasObservationRenderer({ maxRounds: this.maxRounds, specs: this.#specs, roles: this.roles, finishRules: this });
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
    const state: LiveState = {
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
    this.#state = state;
    this.#text = this.#episodeText(task);
    this.#undo.length = 0;
    const frame = this.#frame(state);
    const outcome = newOutcome('action');
    outcome.accepted = true;
    return { info: stepInfo(state, outcome, frame.dsl), observation: new FrameObservation(frame, this.#renderer) };
  }

  /** Applies one policy output. Never throws for malformed text: that is feedback. */
  step(raw: string, signal: AbortSignal = NEVER_ABORTED): Promise<StepResult> {
    try {
      const state = this.#requireState();
      if (state.finished) throw new CanvasStateError('the episode has finished; call reset() or undo()');
      throwIfAborted(signal, 'canvas step');
      if (raw.length > this.maxStepChars) throw new CanvasInputTooLargeError(raw.length, this.maxStepChars);
      this.#undo.push({ state: this.#committed ?? { ...state }, graph: this.#graph.snapshot(), historyLength: state.history.length });
      // Set again when the step commits; a step that throws half-way leaves no stale copy.
      this.#committed = undefined;
      state.round += 1;
      if (this.#emitting) this.#events.emit({ type: 'turn.started', runId: this.#runId, turn: state.round });

      let outcome: Outcome;
      let after: AfterExecution | undefined;
      if (state.round > this.maxRounds) {
        outcome = newOutcome('action');
        if (state.lastSolverResult !== null) state.lastExecutionResult = state.lastSolverResult;
        state.finished = true;
        state.forcedFinish = true;
        outcome.feedback = this.#generic(false, `Maximum rounds (${this.maxRounds}) reached. Workflow auto-finished.`, { final: 'max_rounds' });
      } else if (state.phase === 'awaiting_prompt') {
        outcome = newOutcome('prompt');
        after = this.#handlePrompt(state, raw, outcome);
      } else {
        outcome = newOutcome('action');
        after = this.#handleAction(state, raw, outcome);
      }
      if (after === undefined) return Promise.resolve(this.#commit(state, raw, outcome));
      if (this.#executor === undefined) {
        after(this.#recordExecution(state, { success: true, output: `(Execution skipped - DSL: ${this.#graph.toDsl()})` }));
        return Promise.resolve(this.#commit(state, raw, outcome));
      }
      return this.#executeThenCommit(state, raw, outcome, after, this.#executor, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Reverts the last step (including a finish). Returns false when there is nothing to undo. */
  undo(): boolean {
    const previous = this.#undo.pop();
    if (previous === undefined) return false;
    this.#graph = WorkflowGraph.adopt(previous.graph, this.#graphOptions);
    // The entry's state object may back an observation: the live state is a copy of it.
    this.#state = { ...previous.state };
    this.#committed = previous.state;
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
    return new FrameObservation(this.#frame(this.#requireState()), this.#renderer);
  }

  /** The first finish rule that fails, or undefined when finishing is allowed. */
  finishViolation(): { message: string; hint: string } | undefined {
    return this.#renderer.finishViolation(this.#requireState(), this.#graph.statistics());
  }

  // ---------------------------------------------------------------------------------------------
  // Step application

  async #executeThenCommit(state: LiveState, raw: string, outcome: Outcome, after: AfterExecution, executor: CanvasExecutor, signal: AbortSignal): Promise<StepResult> {
    const graph = this.#graph;
    let result: CanvasExecutionResult;
    try {
      result = await executor.execute({ task: state.task, dsl: graph.toDsl(), graph: graph.snapshot(), prompts: graph.prompts(), turn: state.round }, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      result = { success: false, output: `Execution error: ${describeError(error)}` };
    }
    after(this.#recordExecution(state, result));
    return this.#commit(state, raw, outcome);
  }

  #recordExecution(state: LiveState, result: CanvasExecutionResult): CanvasExecutionResult {
    state.executions += 1;
    state.lastExecutionResult = result.output;
    const ops = this.#graph.statistics().operatorList;
    const lastOp = ops[ops.length - 1];
    if (result.success && lastOp !== undefined && this.roles.resultOperators.has(lastOp)) state.lastSolverResult = result.output;
    return result;
  }

  #commit(state: LiveState, raw: string, outcome: Outcome): StepResult {
    state.lastFeedback = outcome.feedback;
    const frame = this.#frame(state);
    state.history.push(historyEntry(state.round, raw, outcome, frame.dsl));
    if (this.#emitting) this.#events.emit({ type: 'feedback', runId: this.#runId, turn: state.round, text: outcome.feedback, done: state.finished });
    return { feedback: outcome.feedback, done: state.finished, info: stepInfo(state, outcome, frame.dsl), observation: new FrameObservation(frame, this.#renderer) };
  }

  #handleAction(state: LiveState, raw: string, outcome: Outcome): AfterExecution | undefined {
    const parsed = parseAction(raw, this.#names, this.#parseOptions);
    const action = parsed.action;
    outcome.action = action;
    outcome.fallback = parsed.fallback;
    outcome.reasoning = parsed.reasoning;
    const rejectedFallback = parsed.fallback !== undefined && !this.quirks.acceptFallbackActions;
    if (this.#emitting) {
      this.#events.emit({
        type: 'action.parsed',
        runId: this.#runId,
        turn: state.round,
        actionType: action.type === 'add' ? `add:${action.structure}` : action.type,
        accepted: action.type !== 'invalid' && !rejectedFallback,
        ...(action.type === 'invalid' ? { error: action.error } : rejectedFallback ? { error: parsed.fallback } : {}),
        raw,
      });
    }
    if (action.type === 'invalid') return this.#reject(outcome, `Invalid action: ${action.error}`, 'Please use the correct XML format.');
    if (rejectedFallback) return this.#reject(outcome, `Invalid action: no <action> tag found (${parsed.fallback}; free text is not executed).`, 'Please use the correct XML format.');
    switch (action.type) {
      case 'finish':
        return this.#handleFinish(state, action.answer, outcome);
      case 'add':
        return this.#handleAdd(state, action, outcome);
      case 'delete':
        return this.#handleDelete(state, action.target, outcome);
      case 'modify':
        return this.#handleModify(state, action.target, action.operator, outcome);
      case 'set_prompt':
        return this.#handleSetPrompt(action.target, action.prompt, outcome);
    }
  }

  #handleAdd(state: LiveState, action: Extract<CanvasAction, { type: 'add' }>, outcome: Outcome): undefined {
    if (action.structure === 'operator') {
      if (state.disabledOperators.includes(action.operator)) {
        return this.#reject(outcome, `Operator '${action.operator}' is disabled for this problem type.`, `Available operators: ${this.#available().join(', ')}`);
      }
      if (!this.quirks.stuckOnInvalidAdd && !this.#graph.isValidOperator(action.operator)) {
        return this.#reject(outcome, `Invalid operator: ${action.operator}. Valid operators: ${this.#graph.validOperatorList}`, 'Operator names are case-sensitive. Please try again.');
      }
      state.phase = 'awaiting_prompt';
      state.pending = action.position === undefined ? { kind: 'add', operator: action.operator } : { kind: 'add', operator: action.operator, position: action.position };
      outcome.accepted = true;
      outcome.feedback = this.#episode().pendingRequest(this.#graph, state.round, action.operator);
      return undefined;
    }
    const operators =
      action.structure === 'conditional' ? [action.condition, action.trueBranch, ...(action.falseBranch === undefined ? [] : [action.falseBranch])] : action.operators;
    const disabled = operators.filter((op) => op !== 'done' && state.disabledOperators.includes(op));
    if (disabled.length > 0) {
      return this.#reject(outcome, `Structure contains disabled operator(s): ${disabled.join(', ')}`, `Available operators: ${this.#available().join(', ')}`);
    }
    const result =
      action.structure === 'parallel'
        ? this.#graph.addParallel(action.operators, action.position)
        : action.structure === 'conditional'
          ? this.#graph.addConditional(action.condition, action.trueBranch, action.falseBranch, action.position)
          : this.#graph.addLoop(action.operators, action.count, action.position);
    if (!result.success || result.nodeId === undefined) return this.#reject(outcome, result.message, 'Please try again.');
    const parentId = result.nodeId;
    const parent = this.#graph.getNode(parentId);
    const children = parent === undefined || parent.type === 'operator' ? [] : parent.type === 'conditional' ? [parent.condition, parent.trueBranch, ...(parent.falseBranch === undefined ? [] : [parent.falseBranch])] : parent.children;
    state.phase = 'awaiting_prompt';
    const pending: ChildrenPending = { kind: 'children', structure: action.structure, parentId, targets: children.map((c) => ({ nodeId: c.id, operator: c.operator })), cursor: 0 };
    state.pending = pending;
    outcome.accepted = true;
    outcome.feedback = this.#episode().childRequest(this.#graph, state.round, pending, state.lastExecutionResult);
    return undefined;
  }

  #handleModify(state: LiveState, target: string, operator: string, outcome: Outcome): undefined {
    const node = this.#graph.getNode(target);
    if (node === undefined) return this.#reject(outcome, `Target node '${target}' not found`, 'Use a valid node ID from the workflow.');
    if (!this.#graph.isValidOperator(operator)) return this.#reject(outcome, `Invalid operator: ${operator}`, `Valid operators: ${this.#graph.validOperatorList}`);
    if (state.disabledOperators.includes(operator)) {
      return this.#reject(outcome, `Operator '${operator}' is disabled for this problem type.`, `Available operators: ${this.#available().join(', ')}`);
    }
    if (!this.quirks.stuckOnInvalidAdd && node.type !== 'operator') {
      return this.#reject(outcome, `Cannot modify non-operator node ${target}`, 'Modify one of its children, or delete the structure and add a new one.');
    }
    state.phase = 'awaiting_prompt';
    state.pending = { kind: 'modify', target, operator };
    outcome.accepted = true;
    outcome.feedback = this.#episode().pendingRequest(this.#graph, state.round, operator, target);
    return undefined;
  }

  #handleDelete(state: LiveState, target: string, outcome: Outcome): AfterExecution | undefined {
    const result = this.#graph.removeNode(target);
    outcome.accepted = result.success;
    if (result.success) {
      state.memory = { ...state.memory, actions: [...state.memory.actions, { round: state.round, text: `Deleted ${target}` }] };
      if (this.#graph.nodes.length > 0 && this.executeEachStep) {
        return (execution) => {
          outcome.executed = true;
          outcome.feedback = this.#generic(true, result.message, { execution: { problem: state.task.problem, result: execution.output } });
        };
      }
    }
    outcome.feedback = this.#generic(result.success, result.message);
    return undefined;
  }

  #handleSetPrompt(target: string | undefined, prompt: string, outcome: Outcome): AfterExecution | undefined {
    if (target === undefined) return this.#reject(outcome, 'set_prompt rejected: missing <target> node id.', 'Add <target>node_ID</target> naming the node to change.');
    if (prompt.trim().length < 5) return this.#reject(outcome, 'set_prompt rejected: prompt is too short or empty.', 'Please provide a detailed prompt for the operator.');
    const result = this.#graph.setNodePrompt(target, prompt.trim());
    const operator = result.operator;
    if (!result.success || operator === undefined) return this.#reject(outcome, result.message, 'Check the node id in [Workflow Nodes] and try again.');
    outcome.accepted = true;
    return this.#promptSetAfter(outcome, operator, target);
  }

  #handleFinish(state: LiveState, answer: string | undefined, outcome: Outcome): AfterExecution | undefined {
    const violation = this.finishViolation();
    if (violation !== undefined) return this.#reject(outcome, violation.message, violation.hint);
    state.finished = true;
    if (answer !== undefined) state.finishAnswer = answer;
    state.memory = { ...state.memory, actions: [...state.memory.actions, { round: state.round, text: 'Finished' }] };
    outcome.accepted = true;
    const feedback = (): void => {
      // Python `or`: an empty answer or result falls through to the next one.
      const shown = answer !== undefined && answer !== '' ? answer : hasExecutionResult(state.lastSolverResult) ? state.lastSolverResult : (state.lastExecutionResult ?? '');
      outcome.feedback = this.#generic(true, 'Workflow construction finished.', { execution: { problem: state.task.problem, result: shown }, final: 'complete' });
    };
    if (!this.executeEachStep || state.lastExecutionResult === null) {
      return () => {
        outcome.executed = true;
        feedback();
      };
    }
    feedback();
    return undefined;
  }

  #handlePrompt(state: LiveState, raw: string, outcome: Outcome): AfterExecution | undefined {
    const pending = state.pending;
    if (pending === undefined) throw new CanvasStateError('awaiting a prompt with nothing pending');
    const operator = pendingOperator(pending);
    const content = extractPromptContent(raw);
    if (content.length < 5) {
      const lower = raw.toLowerCase();
      if (lower.includes('<think>') || lower.includes('<think_only>')) {
        return this.#reject(outcome, 'Think-Only detected: Your thinking content was filtered out.', `Write the prompt for ${operator} directly, without <think> tags.`);
      }
      return this.#reject(outcome, 'Prompt is too short or empty.', 'Please provide a detailed prompt for the operator.');
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
      outcome.accepted = true;
      const next: ChildrenPending = { ...pending, cursor: pending.cursor + 1 };
      if (next.cursor < pending.targets.length) {
        state.pending = next;
        outcome.feedback = this.#episode().childRequest(this.#graph, state.round, next, state.lastExecutionResult);
        return undefined;
      }
      state.phase = 'building';
      state.pending = undefined;
      return this.#promptSetAfter(outcome, current.operator, current.nodeId);
    }

    let nodeId: string;
    if (pending.kind === 'modify') {
      const result = this.#graph.modifyNode(pending.target, pending.operator);
      if (!result.success) return this.#pendingFailed(state, outcome, result.message);
      this.#graph.setNodePrompt(pending.target, prompt);
      nodeId = pending.target;
    } else {
      const result = this.#graph.addOperator(pending.operator, pending.position);
      if (!result.success || result.nodeId === undefined) return this.#pendingFailed(state, outcome, result.message);
      this.#graph.setNodePrompt(result.nodeId, prompt);
      nodeId = result.nodeId;
    }
    state.phase = 'building';
    state.pending = undefined;
    const memoryText = pending.kind === 'modify' && !this.quirks.stuckOnInvalidAdd ? `Modified ${pending.target} to ${pending.operator}` : `Added ${pending.operator}`;
    state.memory = { ...state.memory, actions: [...state.memory.actions, { round: state.round, text: memoryText }] };
    outcome.accepted = true;
    return this.#promptSetAfter(outcome, pending.operator, nodeId, true);
  }

  /**
   * The prompt-set feedback now (execution off) or after the workflow ran; `recordErrors` keeps a
   * failed run's error in memory (a prompt that completed a pending add or modify).
   */
  #promptSetAfter(outcome: Outcome, operator: string, nodeId: string, recordErrors = false): AfterExecution | undefined {
    const state = this.#requireState();
    const round = state.round;
    if (!this.executeEachStep) {
      outcome.feedback = this.#episode().promptSet(this.#graph, round, operator, nodeId, null);
      return undefined;
    }
    return (execution) => {
      if (recordErrors && !execution.success) state.memory = recordError(state.memory, executionText(execution.output));
      outcome.executed = true;
      outcome.feedback = this.#episode().promptSet(this.#graph, round, operator, nodeId, execution.output);
    };
  }

  #pendingFailed(state: LiveState, outcome: Outcome, message: string): undefined {
    if (this.quirks.stuckOnInvalidAdd) return this.#reject(outcome, message, 'Please try again.');
    // Corrected: the pending edit is dropped so the episode cannot get stuck on it.
    state.phase = 'building';
    state.pending = undefined;
    return this.#reject(outcome, message, 'The pending edit was cancelled; choose a valid action.');
  }

  #reject(outcome: Outcome, message: string, hint: string): undefined {
    outcome.accepted = false;
    outcome.feedback = this.#generic(false, message, { hint });
    return undefined;
  }

  #generic(success: boolean, message: string, extra?: FeedbackExtra): string {
    const state = this.#requireState();
    return this.#episode().generic(this.#graph, state.round, state.memory, success, message, extra);
  }

  // ---------------------------------------------------------------------------------------------
  // Observation

  #frame(state: LiveState): ObservationFrame {
    const copy: LiveState = { ...state };
    this.#committed = copy;
    const graph = this.#graph;
    return { state: copy, dsl: graph.toDsl(), stats: graph.statistics(), graph: graph.snapshot(), text: this.#episode() };
  }

  // ---------------------------------------------------------------------------------------------
  // Vocabulary and set-up

  #available(): string[] {
    const disabled = this.#requireState().disabledOperators;
    return this.library.map((o) => o.name).filter((name) => !disabled.includes(name));
  }

  get #graphOptions(): GraphOptions {
    return (this.#newGraphOptions ??= { operators: this.#names, parallelForbidden: this.roles.parallelForbidden, idScheme: this.quirks.positionalIds ? 'positional' : 'unique' });
  }

  #newGraph(): WorkflowGraph {
    return new WorkflowGraph(this.#graphOptions);
  }

  #episodeText(task: CanvasTask): EpisodeText {
    return episodeTextFor(task, (this.#textSettings ??= { maxRounds: this.maxRounds, roles: this.roles, library: this.library, specs: this.#specs }));
  }

  #episode(): EpisodeText {
    return (this.#text ??= this.#episodeText(this.#requireState().task));
  }

  #load(state: CanvasState): void {
    const { graph, ...rest } = structuredClone(state);
    this.#graph = WorkflowGraph.adopt(graph, this.#graphOptions);
    this.#state = rest as LiveState;
    this.#text = this.#episodeText(rest.task);
    this.#committed = undefined;
  }

  #requireState(): LiveState {
    if (this.#state === undefined) throw new CanvasStateError('call reset(task) before using the canvas');
    return this.#state;
  }
}

