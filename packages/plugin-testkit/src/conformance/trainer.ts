import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { EventBus, type CanvasEnvironment, type CanvasFactory, type PolicyTrainer, type TrainerFactory, type WorkflowExecutor } from '@flowsteer/core';
import { describe, expect, it } from 'vitest';
import { abortedSignal, expectTypedOrAbort, loadForSuite, rejection, scratchDir, type SlotConformanceOptions } from './shared.js';

export interface TrainerConformanceOptions extends SlotConformanceOptions {
  /** Settings for a small, quick run (the suite trains once). */
  readonly trainOptions: Readonly<Record<string, unknown>>;
  /** A format its `export` writes. */
  readonly exportFormat: string;
}

const DEFAULT_CANVAS = { maxRounds: 20, minOperators: 5, requireChecker: true, requireStructure: true };

/** The host's executor as the suite hands it: every workflow succeeds with its own DSL as the output. */
const hostExecutor: WorkflowExecutor = { execute: async (request) => ({ success: true, output: request.dsl }) };

/** The host's canvas as the suite hands it: any step ends the episode, running the executor on the step's text. */
const hostCanvas: CanvasFactory = (context) => {
  let state = { done: false, rounds: 0, output: null as string | Readonly<Record<string, unknown>> | null };
  const observation = () => ({ turn: state.rounds + 1, text: 'Task: a conformance episode', messages: [{ role: 'user' as const, content: 'Task: a conformance episode' }], awaitingPrompt: false });
  const env: CanvasEnvironment<typeof state> = {
    get done() {
      return state.done;
    },
    reset: () => {
      state = { done: false, rounds: 0, output: null };
      return { observation: observation() };
    },
    step: async (text, signal) => {
      const run = await context.executor?.execute({ task: { problem: 'a conformance episode', type: 'qa' }, dsl: text, graph: {}, prompts: {}, turn: state.rounds + 1 }, signal ?? new AbortController().signal);
      state = { done: true, rounds: state.rounds + 1, output: run?.output ?? null };
      return { observation: observation(), feedback: '', done: true, info: {} };
    },
    observation,
    snapshot: () => ({ ...state }),
    restore: (snapshot) => {
      state = { ...snapshot };
    },
    result: () => ({ output: state.output, rounds: state.rounds }),
  };
  return env;
};

/** Checks a trainer plugin: a run trains, evaluates, exports, resumes from its directory alone, and refuses to resume nothing. */
export function describeTrainerConformance(title: string, options: TrainerConformanceOptions): void {
  describe(`${title}: trainer plugin conformance`, () => {
    const slot = loadForSuite(options, 'trainers');
    const scratch = scratchDir('flowsteer-trainer-conformance-');
    const timeout = options.timeoutMs ?? 120_000;
    const build = async (): Promise<PolicyTrainer> => slot.get<TrainerFactory>()({ settings: { canvas: DEFAULT_CANVAS }, events: new EventBus(), cwd: scratch(), options: {}, canvas: async () => hostCanvas, executor: async () => hostExecutor });

    it('trains, then evaluates and exports the run, and resumes it from the directory', async () => {
      const out = join(scratch(), 'run');
      const trainer = await build();
      const progress: number[] = [];
      const outcome = await trainer.train({ out, options: options.trainOptions, signal: new AbortController().signal, onProgress: (p) => progress.push(p.update) });
      expect(outcome.out).toBe(out);
      expect(outcome.updates).toBeGreaterThan(0);
      expect(typeof outcome.text).toBe('string');
      expect(() => JSON.stringify(outcome.report)).not.toThrow();
      expect(progress, 'progress updates never go backwards').toEqual([...progress].sort((a, b) => a - b));
      expect(await trainer.evaluate({ out, options: options.trainOptions, signal: new AbortController().signal })).toBeTypeOf('object');
      const target = join(scratch(), `exported.${options.exportFormat}`);
      const written = await trainer.export({ out, to: target, format: options.exportFormat, signal: new AbortController().signal });
      expect(written.length).toBeGreaterThan(0);
      for (const path of written) await access(path);
      // A fresh trainer object resumes from the directory alone.
      const resumed = await (await build()).resume({ out, options: options.trainOptions, signal: new AbortController().signal });
      expect(resumed.updates).toBeGreaterThanOrEqual(outcome.updates);
    }, timeout);

    it('refuses to resume a directory with no run in it, with a typed error', async () => {
      const error = await rejection((await build()).resume({ out: join(scratch(), 'empty'), options: options.trainOptions, signal: new AbortController().signal }), 'resume() of an empty directory succeeded');
      expectTypedOrAbort(error, 'resume() of an empty directory');
    }, timeout);

    it('stops when its signal is already aborted', async () => {
      const error = await rejection((await build()).train({ out: join(scratch(), 'aborted'), options: options.trainOptions, signal: abortedSignal() }), 'train() finished although it was cancelled');
      expectTypedOrAbort(error, 'a cancelled train()');
    }, timeout);
  });
}
