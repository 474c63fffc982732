import type { CanvasTaskSpec } from './canvas.js';

/** One workflow execution: the task, the workflow (as DSL and as the canvas's graph snapshot) and node prompts. */
export interface ExecutionRequest {
  readonly task: CanvasTaskSpec;
  readonly dsl: string;
  /** The canvas's own graph snapshot; an executor built for that canvas knows its shape. */
  readonly graph: unknown;
  readonly prompts: Readonly<Record<string, { operator: string; prompt: string | undefined }>>;
  readonly turn: number;
}

/** The workflow's result: the last output (text, or named fields such as `{output, code}`). */
export interface ExecutionOutcome {
  readonly success: boolean;
  readonly output: string | Readonly<Record<string, unknown>>;
}

/**
 * Runs the workflow a canvas has built. The built-in one calls operators on the executor LLM;
 * the simulator scores the structure without any LLM. Must honour `signal`.
 */
export interface WorkflowExecutor {
  execute(request: ExecutionRequest, signal: AbortSignal): Promise<ExecutionOutcome>;
  /** Tokens the executor has spent so far, when it counts them (for eval's per-problem cost). */
  tokensUsed?(): number;
  close?(): Promise<void>;
}
