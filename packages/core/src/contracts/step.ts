import { z } from 'zod';

/**
 * The data every workflow operator receives. One shape for all operators keeps the executor's
 * wiring uniform (and lets third-party operators slot into any position); each operator reads
 * the fields it needs.
 */
export const StepInputSchema = z.object({
  /** The task as given to the workflow. */
  problem: z.string(),
  /** The Flow-Director's prompt for this node ('' when none was written). */
  instruction: z.string().default(''),
  /** Text of the previous step's output ('' for the first step). */
  previous: z.string().default(''),
  /** The current best solution. */
  solution: z.string().default(''),
  /** Outputs of the branches of the last parallel block, for ensembles. */
  candidates: z.array(z.string()).default([]),
  /** The last checker's feedback, for revisers and repair branches. */
  feedback: z.string().default(''),
  /** The plan or sub-problems from a planner, as context. */
  plan: z.string().default(''),
  /** The current code, for code tasks. */
  code: z.string().default(''),
  problemType: z.string().default('reasoning'),
  entryPoint: z.string().optional(),
  /** Unit tests for code tasks. */
  tests: z.string().optional(),
});

export type StepInput = z.output<typeof StepInputSchema>;
export type StepInputDraft = z.input<typeof StepInputSchema>;

export const VerdictSchema = z.object({
  passed: z.boolean(),
  feedback: z.string(),
  confidence: z.string().optional(),
  /** A corrected answer the checker computed, if any. */
  answer: z.string().optional(),
});

export type Verdict = z.output<typeof VerdictSchema>;

export const StepOutputSchema = z.object({
  /** The text that flows to the next step. */
  response: z.string(),
  /** Set by checkers (Review, Verify, Test): drives conditionals and revisions. */
  verdict: VerdictSchema.optional(),
  /** Code produced or checked (Programmer, Test, CustomCodeGenerate). */
  code: z.string().optional(),
  /** Plan steps or sub-problems (Plan, Decompose). */
  steps: z.array(z.string()).optional(),
  /** Other parsed fields, for traces and answer extraction. */
  fields: z.record(z.string(), z.string()).optional(),
});

export type StepOutput = z.output<typeof StepOutputSchema>;
