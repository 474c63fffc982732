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

export { CODE_SCRIPT, FULL_SCRIPT } from '@flowsteer/testing';

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
