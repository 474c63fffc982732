import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowSteerError, describeError, type Observation, type Registries } from '@flowsteer/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadPluginPackage, type LoadedForTest } from '../load-plugin.js';

/** What every slot suite is told: which package, and which of its registered names to check. */
export interface SlotConformanceOptions {
  /** The plugin package directory (the folder with package.json), as a path or `file:` URL. */
  readonly packageDir: string | URL;
  /** The registered name to check (for scorers, the metric). */
  readonly name: string;
  /** Settings the plugin reads from `plugins.options["<its name>"]`. */
  readonly pluginOptions?: Readonly<Record<string, unknown>>;
  /** Timeout for each test, for implementations that start real processes. */
  readonly timeoutMs?: number;
}

/** Loads the package in `beforeAll` and adds the common first test; returns accessors for the rest. */
export function loadForSuite(options: SlotConformanceOptions, registry: keyof Registries) {
  let loaded: LoadedForTest | undefined;
  beforeAll(async () => {
    loaded = await loadPluginPackage(options.packageDir, options.pluginOptions === undefined ? {} : { pluginOptions: options.pluginOptions });
  }, options.timeoutMs ?? 30_000);
  it(`loads through the host and registers ${registry} "${options.name}" with no contribution dropped`, () => {
    expect(loaded?.registries[registry].names()).toContain(options.name);
  });
  return {
    get: <T>(): T => {
      if (loaded === undefined) throw new Error('plugin did not load');
      return loaded.registries[registry].get(options.name) as T;
    },
  };
}

/** A scratch directory per suite, removed afterwards. */
export function scratchDir(prefix: string): () => string {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return () => dir;
}

export function abortedSignal(): AbortSignal {
  const controller = new AbortController();
  controller.abort(new Error('cancelled by the conformance suite'));
  return controller.signal;
}

/** Resolves to the error, or fails the test with `message` when the promise fulfils. */
export async function rejection(promise: Promise<unknown>, message: string): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error(message);
}

/** A typed error (FlowSteerError or an AbortError) rather than a bare TypeError from deep inside. */
export function expectTypedOrAbort(error: unknown, what: string): void {
  const ok = error instanceof FlowSteerError || (error instanceof Error && (error.name === 'AbortError' || /abort|cancel/i.test(error.message)));
  expect(ok, `${what} failed with ${error instanceof Error ? `${error.name}: ` : ''}${describeError(error)}`).toBe(true);
}

/** Observations a policy can meet: an action turn and a prompt turn, with the canvas's structured state. */
export const SAMPLE_OBSERVATIONS: readonly Observation[] = [
  {
    turn: 1,
    text: 'Build a workflow for: What is 6*7?\nReply with one <action>…</action>.',
    messages: [{ role: 'user', content: 'Build a workflow for: What is 6*7?\nReply with one <action>…</action>.' }],
    awaitingPrompt: false,
    state: { dsl: '', phase: 'building', round: 0, maxRounds: 20, operators: [], taskType: 'math', pendingOperator: null, finishAllowed: false, finished: false },
  },
  {
    turn: 2,
    text: 'Write the instruction for the Plan operator.',
    messages: [{ role: 'user', content: 'Write the instruction for the Plan operator.' }],
    awaitingPrompt: true,
    state: { dsl: 'Plan', phase: 'awaiting_prompt', round: 1, maxRounds: 20, operators: ['Plan'], taskType: 'math', pendingOperator: 'Plan', finishAllowed: false, finished: false },
  },
];
