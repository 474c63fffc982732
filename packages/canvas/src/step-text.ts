/**
 * The feedback texts of one episode. Most of a feedback block does not change every step: the
 * workflow lines change only with the graph, the memory lines only with the memory, a prompt
 * request's guidance only with the operator. Each is rendered once here and joined per step.
 */
import { executionText, type ExecutionValue } from './feedback/values.js';
import { memorySummary, type MemoryState } from './feedback/memory.js';
import { renderFeedback, stateBlock } from './feedback/sections.js';
import { promptRequestBody, renderChildPromptRequest, renderPendingPromptRequest, type PromptRequestVariant } from './feedback/prompt-requests.js';
import { formatPromptSetSuccess, type PromptSetFeedback } from './feedback/prompt-set.js';
import type { GraphStatistics, WorkflowGraph } from './graph.js';
import { operatorGuidance } from './guidance.js';
import { actionPromptHead } from './prompt-text.js';
import type { OperatorRoles } from './roles.js';
import type { OperatorSpec } from './vocabulary.js';
import { CanvasStateError, type CanvasTask, type PendingPrompt } from './env-types.js';

export type ChildrenPending = Extract<PendingPrompt, { kind: 'children' }>;

export interface FeedbackExtra {
  readonly hint?: string;
  readonly execution?: { readonly problem: string; readonly result: ExecutionValue };
  readonly final?: 'complete' | 'max_rounds';
}

const NO_EXTRA: FeedbackExtra = Object.freeze({});
const ERROR_WORDS = /error|failed|exception/i;
const NEWLINES = /\n/g;

/** The last execution's error text for a repair prompt (first 300 chars, one line), if it failed. */
export function previousError(result: ExecutionValue | null): string | undefined {
  const text = executionText(result);
  return ERROR_WORDS.test(text) ? text.slice(0, 300).replace(NEWLINES, ' ') : undefined;
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

export interface EpisodeTextSettings {
  readonly maxRounds: number;
  readonly library: readonly OperatorSpec[];
  readonly roles: OperatorRoles;
  readonly specs: ReadonlyMap<string, OperatorSpec>;
}

/**
 * Episode texts per task object: rollouts of one task (a training group, a replay) share the
 * guidance and prompt bodies. A text is reused only for the same settings and unchanged task fields.
 */
const shared = new WeakMap<CanvasTask, EpisodeText[]>();

export function episodeTextFor(task: CanvasTask, settings: EpisodeTextSettings): EpisodeText {
  let texts = shared.get(task);
  if (texts === undefined) {
    texts = [];
    shared.set(task, texts);
  }
  for (const text of texts) if (text.serves(task, settings)) return text;
  const text = new EpisodeText(task, settings);
  // A handful of configurations per task at most; more would be a caller creating settings per episode.
  if (texts.length >= 8) texts.shift();
  texts.push(text);
  return text;
}

export class EpisodeText {
  readonly #task: CanvasTask;
  readonly #settings: EpisodeTextSettings;
  readonly #guidance = new Map<string, string>();
  /** Prompt-request bodies per operator, one map per variant (no key string to build per step). */
  readonly #bodies: Readonly<Record<PromptRequestVariant, Map<string, string>>> = { add: new Map(), modify: new Map() };
  #codeContext: string | undefined;
  #actionPromptHead: string | undefined;
  /** The graph version (its statistics object) whose state lines are cached. */
  #stateFor: GraphStatistics | undefined;
  #state = '';
  #memoryFor: MemoryState | undefined;
  #memory = '';

  readonly #fields: readonly [string, string, string | undefined, string | undefined];
  readonly #hasRequiredTests: boolean;

  constructor(task: CanvasTask, settings: EpisodeTextSettings) {
    this.#task = task;
    this.#settings = settings;
    this.#fields = [task.problem, task.type, task.entryPoint, task.test];
    this.#hasRequiredTests = (task.test ?? '').trim() !== '';
  }

  /** Whether this text renders exactly what a new one for `task` and `settings` would. */
  serves(task: CanvasTask, settings: EpisodeTextSettings): boolean {
    const mine = this.#settings;
    const [problem, type, entryPoint, test] = this.#fields;
    return (
      task === this.#task && task.problem === problem && task.type === type && task.entryPoint === entryPoint && task.test === test &&
      settings.maxRounds === mine.maxRounds && settings.library === mine.library && settings.roles === mine.roles && settings.specs === mine.specs
    );
  }

  /** The general-purpose feedback block for the graph and memory as they are now. */
  generic(graph: WorkflowGraph, round: number, memory: MemoryState, success: boolean, message: string, extra: FeedbackExtra = NO_EXTRA): string {
    return renderFeedback({
      success,
      message,
      state: this.#stateBlock(graph),
      dsl: graph.toDsl(),
      round,
      maxRounds: this.#settings.maxRounds,
      memory: this.#memorySummary(memory),
      execution: extra.execution,
      hint: extra.hint,
      final: extra.final,
    });
  }

  pendingRequest(graph: WorkflowGraph, round: number, operator: string, modifyTarget?: string): string {
    const body = this.#body(operator, modifyTarget === undefined ? 'add' : 'modify');
    return renderPendingPromptRequest(operator, graph.toDsl(), body, round, this.#settings.maxRounds, modifyTarget);
  }

  childRequest(graph: WorkflowGraph, round: number, pending: ChildrenPending, lastExecutionResult: ExecutionValue | null): string {
    const current = pending.targets[pending.cursor];
    if (current === undefined) throw new CanvasStateError('structure prompt cursor out of range');
    const context = this.childContext(pending, lastExecutionResult);
    return renderChildPromptRequest(current.operator, context, pending.structure === 'parallel', graph.toDsl(), this.#body(current.operator, 'add'), round, this.#settings.maxRounds);
  }

  childContext(pending: ChildrenPending, lastExecutionResult: ExecutionValue | null): string {
    const current = pending.targets[pending.cursor];
    let context = `${pending.structure} prompt ${pending.cursor + 1}/${pending.targets.length} (node_id=${current?.nodeId ?? '?'}, parent=${pending.parentId})`;
    const lastError = pending.structure === 'conditional' && current?.operator === 'Programmer' ? previousError(lastExecutionResult) : undefined;
    if (lastError !== undefined) context += `\n[LAST_ERROR]: ${lastError}\nIMPORTANT: Write this error into the Programmer prompt and say what the code must fix.`;
    if (this.#task.type === 'code') context += this.#codeContext ??= this.#renderCodeContext();
    return context;
  }

  promptSet(graph: WorkflowGraph, round: number, operator: string, nodeId: string, output: ExecutionValue | null): string {
    const stats = graph.statistics();
    const task = this.#task;
    const args: PromptSetFeedback = {
      operator,
      nodeId,
      view: { dsl: graph.toDsl(), nodeList: [], totalOperators: stats.totalOperators, uniqueTypes: stats.uniqueTypes, structures: [], round, maxRounds: this.#settings.maxRounds },
      problem: task.problem,
      result: output,
      // Read only when there is a result.
      advisor: { operators: stats.operatorList, problemType: task.type, hasRequiredTests: this.#hasRequiredTests, hasParallel: stats.hasParallel, roles: this.#settings.roles },
    };
    return formatPromptSetSuccess(args);
  }

  /** The part of every action prompt of this episode that does not change. */
  actionPromptHead(): string {
    return (this.#actionPromptHead ??= actionPromptHead(this.#settings.library, this.#task.type, this.#task.problem));
  }

  guidance(operator: string): string {
    let text = this.#guidance.get(operator);
    if (text === undefined) {
      const task = this.#task;
      text = operatorGuidance(operator, this.#settings.specs.get(operator), task.problem, task.type);
      this.#guidance.set(operator, text);
    }
    return text;
  }

  #body(operator: string, variant: PromptRequestVariant): string {
    const bodies = this.#bodies[variant];
    let body = bodies.get(operator);
    if (body === undefined) {
      body = promptRequestBody(operator, this.guidance(operator), variant);
      bodies.set(operator, body);
    }
    return body;
  }

  #renderCodeContext(): string {
    const task = this.#task;
    let context = '';
    if (task.entryPoint !== undefined) context += `\nentry_point=${task.entryPoint}`;
    const tests = testPreview(task.test ?? '');
    if (tests !== '') context += `\npublic_tests (truncated):\n${tests}`;
    return context;
  }

  #stateBlock(graph: WorkflowGraph): string {
    const stats = graph.statistics();
    if (stats !== this.#stateFor) {
      const structures: ('parallel' | 'conditional' | 'loop')[] = [];
      if (stats.hasParallel) structures.push('parallel');
      if (stats.hasConditional) structures.push('conditional');
      if (stats.hasLoop) structures.push('loop');
      this.#state = stateBlock({ dsl: graph.toDsl(), nodeList: graph.nodeList(), totalOperators: stats.totalOperators, uniqueTypes: stats.uniqueTypes, structures });
      this.#stateFor = stats;
    }
    return this.#state;
  }

  #memorySummary(memory: MemoryState): string {
    // The canvas replaces its memory object on every change, never edits it.
    if (memory !== this.#memoryFor) {
      this.#memory = memorySummary(memory);
      this.#memoryFor = memory;
    }
    return this.#memory;
  }
}
