import type { Observation } from './policy.js';

/** A task as every canvas receives it. `type` is `math`, `code`, `qa`, `reasoning`, `mc`, … */
export interface CanvasTaskSpec {
  readonly id?: string;
  readonly problem: string;
  readonly type: string;
  /** Code tasks: the function the tests call. */
  readonly entryPoint?: string;
  /** Code tasks: unit tests the workflow must pass. */
  readonly test?: string;
}

/** What one `step` returns: the policy's next view, the feedback it earned, and whether the episode ended. */
export interface CanvasStepOutcome {
  readonly observation: Observation;
  readonly feedback: string;
  readonly done: boolean;
  /** Canvas-specific details of the step (the built-in canvas reports accepted/executed/dsl/…). */
  readonly info: object;
}

/**
 * The workflow-building environment, gym style: `reset(task)`, then `step(text)` until `done`.
 * `step` never throws for malformed policy text (that is feedback); `snapshot`/`restore` make an
 * episode resumable at any turn, so a snapshot must be plain JSON-serialisable data.
 */
export interface CanvasEnvironment<Snapshot = unknown> {
  readonly done: boolean;
  reset(task: CanvasTaskSpec): { readonly observation: Observation };
  step(text: string, signal?: AbortSignal): Promise<CanvasStepOutcome>;
  /** What the policy sees next, without changing anything. */
  observation(): Observation;
  snapshot(): Snapshot;
  restore(snapshot: Snapshot): void;
  /** What the episode produced, for scoring and reports: the last workflow output and the workflow. */
  result?(): CanvasResult;
}

export interface CanvasResult {
  readonly output: string | Readonly<Record<string, unknown>> | null;
  /** The workflow in DSL form, when the canvas has one. */
  readonly workflow?: string;
  readonly rounds: number;
  /** True when the episode ended by the round limit rather than an accepted finish. */
  readonly forced?: boolean;
}
