/** The canvas environment's public data types, settings and errors. */
import { FlowSteerError, type EventSink } from '@flowsteer/core';
import type { CanvasAction } from './actions.js';
import type { ExecutionValue, MemoryState, ProblemType } from './feedback/index.js';
import type { GraphSnapshot } from './graph.js';
import type { CanvasObservation } from './observation.js';
import type { OperatorSpec } from './vocabulary.js';

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
