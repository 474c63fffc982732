import {
  EventBus,
  describeError,
  FlowSteerError,
  OPERATOR_CATEGORIES,
  StepInputSchema,
  UsageLedger,
  type Operator,
  type OperatorContext,
  type Sandbox,
  type StepInputDraft,
} from '@flowsteer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPluginPackage, type LoadedForTest } from './load-plugin.js';
import { ScriptedBackend, type ScriptedReply } from './scripted-backend.js';

/** One successful run of an operator: the step input and what the executor LLM answers. */
export interface OperatorCase {
  readonly input: StepInputDraft;
  /** Executor replies in call order (the last repeats). Defaults to a short answer in common tags. */
  readonly replies?: readonly ScriptedReply[];
  /** Extra assertions on the output of that run. */
  readonly check?: (output: unknown) => void | Promise<void>;
}

export interface OperatorConformanceOptions {
  /** The plugin package directory (the folder with package.json), as a path or `file:` URL. */
  readonly packageDir: string | URL;
  /** Settings the plugin reads from `plugins.options["<its name>"]`. */
  readonly pluginOptions?: Readonly<Record<string, unknown>>;
  /** Per-operator runs; operators without one get a small math problem. */
  readonly cases?: Readonly<Record<string, OperatorCase>>;
  /** A sandbox for code operators; created once for the suite and closed after it. */
  readonly sandbox?: () => Promise<Sandbox>;
  /** Timeout for each test, for operators that start real processes. */
  readonly timeoutMs?: number;
}

const DEFAULT_CASE: OperatorCase = {
  input: { problem: 'What is 6*7?', solution: '42', previous: '42', candidates: ['42', '42', '41'], plan: '1. Multiply.' },
  replies: ['<thought>6*7=42</thought><answer>42</answer><solution>42</solution><review_result>true</review_result><feedback>fine</feedback><is_correct>true</is_correct><confidence>high</confidence><solution_letter>A</solution_letter><plan>1. Multiply</plan><sub_problems>1. Multiply</sub_problems>'],
};

/** Names the canvas DSL can hold and that cannot be mistaken for its keywords. */
const OPERATOR_NAME = /^[A-Z][A-Za-z0-9]*$/;

interface Harness {
  readonly backend: ScriptedBackend;
  readonly ledger: UsageLedger;
  readonly context: OperatorContext;
}

function harness(operator: Operator, replies: readonly ScriptedReply[], sandbox: Sandbox | undefined, signal = new AbortController().signal): Harness {
  const backend = new ScriptedBackend(replies);
  const ledger = new UsageLedger();
  const context: OperatorContext = {
    nodeId: 'node_1',
    turn: 1,
    runId: 'conformance',
    backend,
    signal,
    usage: ledger.child({ nodeId: 'node_1', operator: operator.name, turn: 1 }),
    events: new EventBus(),
    ...(sandbox === undefined ? {} : { sandbox }),
  };
  return { backend, ledger, context };
}

/** Runs an operator the way the executor does: the common step input, validated at the boundary. */
async function runOperator(operator: Operator, input: StepInputDraft, h: Harness): Promise<unknown> {
  const parsed = operator.inputSchema.parse(StepInputSchema.parse(input));
  return operator.run(parsed, h.context);
}

/** Either a schema-valid result or a typed FlowSteerError; anything else fails the check. */
async function settle(run: () => Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The error's class as well as its message: a bare TypeError is what these checks are after. */
function describeThrown(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${describeError(error)}` : describeError(error);
}

/**
 * The operator plugin conformance suite. Call it at the top level of a test file: it loads the
 * package through the host's discovery (manifest, entry, register) and checks every operator the
 * plugin contributes against the contract the canvas and executor rely on.
 */
export function describeOperatorConformance(title: string, options: OperatorConformanceOptions): void {
  describe(`${title}: operator plugin conformance`, () => {
    let loaded: LoadedForTest | undefined;
    let sandbox: Sandbox | undefined;
    const timeout = options.timeoutMs ?? 30_000;

    beforeAll(async () => {
      loaded = await loadPluginPackage(options.packageDir, options.pluginOptions === undefined ? {} : { pluginOptions: options.pluginOptions });
      sandbox = await options.sandbox?.();
    }, timeout);
    afterAll(async () => {
      await sandbox?.close();
    });

    const operators = (): Operator[] => {
      if (loaded === undefined) throw new Error('plugin did not load');
      return loaded.registries.operators.entries().map((entry) => entry.value);
    };
    const caseFor = (name: string): OperatorCase => options.cases?.[name] ?? DEFAULT_CASE;

    it('loads through the host: manifest, entry module, register, and at least one operator', () => {
      expect(loaded?.plugin.kind).toBe('operator');
      expect(operators().length).toBeGreaterThan(0);
      for (const name of Object.keys(options.cases ?? {})) expect(loaded?.registries.operators.names(), `a case names "${name}"`).toContain(name);
    });

    it('gives every operator a canvas-usable name, a known category and a description the policy can read', () => {
      for (const operator of operators()) {
        expect(operator.name, 'operator names are PascalCase identifiers').toMatch(OPERATOR_NAME);
        expect(OPERATOR_CATEGORIES, `${operator.name}.category`).toContain(operator.category);
        expect(operator.description.trim().length, `${operator.name}.description`).toBeGreaterThan(10);
        expect(operator.description, `${operator.name}.description is one line`).not.toContain('\n');
        expect(operator.description.length, `${operator.name}.description stays short`).toBeLessThanOrEqual(300);
      }
    });

    it('accepts the executor step input and rejects input of the wrong shape', () => {
      for (const operator of operators()) {
        const input = StepInputSchema.parse(caseFor(operator.name).input);
        expect(operator.inputSchema.safeParse(input).success, `${operator.name} accepts the step input`).toBe(true);
        expect(operator.inputSchema.safeParse(42).success, `${operator.name} rejects a number`).toBe(false);
      }
    });

    it('runs on the executor LLM, returns output its own schema accepts, and records every LLM call', async () => {
      for (const operator of operators()) {
        const { input, replies, check } = caseFor(operator.name);
        const h = harness(operator, replies ?? DEFAULT_CASE.replies ?? ['42'], sandbox);
        const output = await runOperator(operator, input, h);
        expect(operator.outputSchema.safeParse(output).success, `${operator.name} output ${JSON.stringify(output)}`).toBe(true);
        expect(h.ledger.total().calls, `${operator.name} records each LLM call`).toBeGreaterThanOrEqual(h.backend.calls);
        await check?.(output);
      }
    }, timeout);

    it('stays typed on unreadable LLM output: a schema-valid result or a FlowSteerError', async () => {
      for (const operator of operators()) {
        const h = harness(operator, ['¯\\_(ツ)_/¯ <answer unterminated', ''], sandbox);
        const outcome = await settle(() => runOperator(operator, caseFor(operator.name).input, h));
        if (outcome.ok) expect(operator.outputSchema.safeParse(outcome.value).success, `${operator.name} output`).toBe(true);
        else expect(outcome.error, `${operator.name} threw ${describeThrown(outcome.error)}`).toBeInstanceOf(FlowSteerError);
      }
    }, timeout);

    it('surfaces a failing backend as a typed error instead of an answer', async () => {
      for (const operator of operators()) {
        const h = harness(operator, [{ fail: 'scripted outage' }], sandbox);
        const outcome = await settle(() => runOperator(operator, caseFor(operator.name).input, h));
        if (h.backend.calls === 0) continue; // this operator needs no LLM for this input
        expect(outcome.ok, `${operator.name} returned an answer although its LLM call failed`).toBe(false);
        if (!outcome.ok) expect(outcome.error, `${operator.name} threw ${describeThrown(outcome.error)}`).toBeInstanceOf(FlowSteerError);
      }
    }, timeout);

    it('stops when its signal is already aborted', async () => {
      for (const operator of operators()) {
        const controller = new AbortController();
        controller.abort(new Error('cancelled by the conformance suite'));
        const h = harness(operator, caseFor(operator.name).replies ?? ['42'], sandbox, controller.signal);
        const outcome = await settle(() => runOperator(operator, caseFor(operator.name).input, h));
        expect(outcome.ok, `${operator.name} finished although it was cancelled`).toBe(false);
        expect(h.backend.calls, `${operator.name} reached the LLM after cancellation`).toBe(0);
      }
    }, timeout);
  });
}
