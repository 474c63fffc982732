/** The per-step records a step returns and keeps: its `info` and its history entry. */
import type { CanvasAction } from './actions.js';
import type { CanvasPhase, HistoryEntry, StepInfo } from './env-types.js';
import type { ExecutionValue } from './feedback/values.js';

/** What applying one input produced; filled in by the step handlers. */
export interface Outcome {
  feedback: string;
  accepted: boolean;
  executed: boolean;
  readonly kind: 'action' | 'prompt';
  action: CanvasAction | undefined;
  fallback: string | undefined;
  reasoning: string | undefined;
}

export function newOutcome(kind: 'action' | 'prompt'): Outcome {
  return { feedback: '', accepted: false, executed: false, kind, action: undefined, fallback: undefined, reasoning: undefined };
}

/** The fields of a step's info that come from the canvas state after the step. */
export interface InfoState {
  readonly round: number;
  readonly phase: CanvasPhase;
  readonly lastExecutionResult: ExecutionValue | null;
  readonly finished: boolean;
  readonly forcedFinish: boolean;
}

// Optional keys are omitted, not undefined, so JSON, key lists and strict equality stay as they were.
export function stepInfo(state: InfoState, outcome: Outcome, dsl: string): StepInfo {
  const { round, phase, lastExecutionResult: executionResult, finished, forcedFinish } = state;
  const { kind, accepted, action, executed } = outcome;
  if (outcome.fallback === undefined && outcome.reasoning === undefined) {
    return action === undefined
      ? { round, kind, accepted, phase, dsl, executed, executionResult, finished, forcedFinish }
      : { round, kind, accepted, action, phase, dsl, executed, executionResult, finished, forcedFinish };
  }
  return {
    round,
    kind,
    accepted,
    ...(action === undefined ? {} : { action }),
    ...(outcome.fallback === undefined ? {} : { fallback: outcome.fallback }),
    ...(outcome.reasoning === undefined ? {} : { reasoning: outcome.reasoning }),
    phase,
    dsl,
    executed,
    executionResult,
    finished,
    forcedFinish,
  };
}

export function historyEntry(round: number, raw: string, outcome: Outcome, dsl: string): HistoryEntry {
  const { kind, action, accepted, feedback } = outcome;
  if (outcome.fallback === undefined && outcome.reasoning === undefined) {
    return action === undefined ? { round, kind, raw, accepted, feedback, dsl } : { round, kind, raw, action, accepted, feedback, dsl };
  }
  return {
    round,
    kind,
    raw,
    ...(action === undefined ? {} : { action }),
    ...(outcome.fallback === undefined ? {} : { fallback: outcome.fallback }),
    ...(outcome.reasoning === undefined ? {} : { reasoning: outcome.reasoning }),
    accepted,
    feedback,
    dsl,
  };
}
