import type { z } from 'zod';
import type { EventSink } from '../events.js';
import type { UsageRecorder } from '../usage.js';
import type { LlmBackend } from './llm.js';
import type { Sandbox } from './sandbox.js';

/**
 * Categories drive canvas rules (checkers are required before finishing, ensembles may not sit
 * inside a parallel block) and the operator library text the policy sees.
 */
export const OPERATOR_CATEGORIES = ['solver', 'checker', 'reviser', 'planner', 'ensemble', 'formatter', 'code'] as const;

export type OperatorCategory = (typeof OPERATOR_CATEGORIES)[number];

export interface OperatorContext {
  readonly nodeId: string;
  readonly turn: number;
  /** The executor LLM (never the policy's backend). */
  readonly backend: LlmBackend;
  /** The instruction the Flow-Director wrote for this node, if any. */
  readonly prompt?: string;
  readonly signal: AbortSignal;
  readonly usage: UsageRecorder;
  readonly events: EventSink;
  readonly sandbox?: Sandbox;
  readonly runId: string;
}

/**
 * An executable workflow step. Inputs and outputs are validated with zod schemas at the node
 * boundary so a bad wiring fails with a typed ValidationError, not deep inside a prompt.
 */
export interface Operator<I = unknown, O = unknown> {
  readonly name: string;
  readonly category: OperatorCategory;
  /** One or two sentences the policy reads in its operator library. */
  readonly description: string;
  readonly inputSchema: z.ZodType<I>;
  readonly outputSchema: z.ZodType<O>;
  run(inputs: I, context: OperatorContext): Promise<O>;
}
