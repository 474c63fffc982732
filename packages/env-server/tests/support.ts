import type { CanvasExecutionRequest, CanvasExecutionResult, CanvasExecutor } from '@flowsteer/canvas';
import { PROTOCOL_SCHEMA } from '../src/index.js';
import { validate } from './json-schema.js';

export type Def = keyof typeof PROTOCOL_SCHEMA.$defs;

/** Fails with every schema violation of `value` against `$defs[def]`. */
export function expectSchema(def: Def, value: unknown): void {
  const errors = validate(PROTOCOL_SCHEMA, { $ref: `#/$defs/${def}` }, value);
  if (errors.length > 0) throw new Error(`${def} violates the protocol schema:\n${errors.join('\n')}\n${JSON.stringify(value).slice(0, 2000)}`);
}

export interface Client {
  readonly base: string;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }>;
}

export function client(base: string, token?: string): Client {
  return {
    base,
    async post(path, body, headers = {}) {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    },
  };
}

/** Builds a workflow with full structure (6 operators, checker, Format, conditional), then finishes. */
export const FULL_SCRIPT: readonly string[] = [
  '<action>add</action><operator>Plan</operator>',
  'Plan how to compute the product.',
  '<action>add</action><operator>Programmer</operator>',
  'Write solve() that returns 6*7.',
  '<action>add</action><operator>Custom</operator>',
  'State the result.',
  '<action>add</action><structure>conditional</structure><condition>Verify</condition><true>Revise</true><false>done</false>',
  'Recompute the product independently.',
  'Fix the answer using the feedback.',
  '<action>add</action><operator>Format</operator>',
  'Output only the number.',
  '<action>finish</action>',
];

/** The same shape for a code task: the checker is Test, repaired by Programmer. */
export const CODE_SCRIPT: readonly string[] = [
  '<action>add</action><operator>Plan</operator>',
  'Plan the function.',
  '<action>add</action><operator>Programmer</operator>',
  'Write the function.',
  '<action>add</action><operator>Custom</operator>',
  'Explain the function.',
  '<action>add</action><structure>conditional</structure><condition>Test</condition><true>Programmer</true><false>done</false>',
  'Run the tests.',
  'Fix the code using the failures.',
  '<action>add</action><operator>Format</operator>',
  'Output only the code.',
  '<action>finish</action>',
];

/** An executor that answers a fixed text (an executor LLM's answer, hostile or not). */
export class FixedAnswerExecutor implements CanvasExecutor {
  constructor(readonly answer: string) {}
  async execute(): Promise<CanvasExecutionResult> {
    return { success: true, output: { output: this.answer } };
  }
}

/** An executor whose runs wait until the test opens the gate (a slow executor LLM). */
export class GatedExecutor implements CanvasExecutor {
  readonly started: CanvasExecutionRequest[] = [];
  #open: Array<() => void> = [];
  #onStart: Array<() => void> = [];
  async execute(request: CanvasExecutionRequest, signal: AbortSignal): Promise<CanvasExecutionResult> {
    this.started.push(request);
    for (const notify of this.#onStart.splice(0)) notify();
    await new Promise<void>((resolve, reject) => {
      this.#open.push(resolve);
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });
    return { success: true, output: { output: '42' } };
  }
  waitForStart(): Promise<void> {
    return new Promise((resolve) => this.#onStart.push(resolve));
  }
  release(): void {
    for (const resolve of this.#open.splice(0)) resolve();
  }
}
