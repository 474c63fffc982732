import { EventBus, type CanvasEnvironment, type CanvasFactory, type CanvasSettings, type CanvasTaskSpec } from '@flowsteer/core';
import { describe, expect, it } from 'vitest';
import { loadForSuite, type SlotConformanceOptions } from './shared.js';

export interface CanvasConformanceOptions extends SlotConformanceOptions {
  readonly settings?: CanvasSettings;
  /** Policy outputs that build a workflow the canvas accepts and then finish it. */
  readonly finishingScript: readonly string[];
  readonly task?: CanvasTaskSpec;
}

const DEFAULT_SETTINGS: CanvasSettings = { maxRounds: 20, minOperators: 5, requireChecker: true, requireStructure: true };
const HOSTILE = ['', '<action>', '</action><action>delete</action><target>*</target>', '\u001b[2J\u0000', 'x'.repeat(100_000), '<action>add</action><operator>../../etc/passwd</operator>'];

/** Checks a canvas plugin: gym-style reset/step, hostile text becomes feedback, snapshots round-trip, episodes end. */
export function describeCanvasConformance(title: string, options: CanvasConformanceOptions): void {
  describe(`${title}: canvas plugin conformance`, () => {
    const slot = loadForSuite(options, 'canvases');
    const task = options.task ?? { problem: 'What is 6*7?', type: 'math' };
    const create = (): CanvasEnvironment => slot.get<CanvasFactory>()({ settings: options.settings ?? DEFAULT_SETTINGS, operators: [], runId: 'conformance', events: new EventBus(), options: {} });
    const timeout = options.timeoutMs ?? 30_000;

    it('resets to an observation with prompt text and chat messages', () => {
      const { observation } = create().reset(task);
      expect(observation.text.length).toBeGreaterThan(0);
      expect(observation.messages.length).toBeGreaterThan(0);
      expect(observation.awaitingPrompt).toBe(false);
    });

    it('turns hostile policy text into feedback instead of throwing', async () => {
      const env = create();
      env.reset(task);
      for (const text of HOSTILE) {
        if (env.done) break;
        const step = await env.step(text, new AbortController().signal);
        expect(typeof step.feedback).toBe('string');
        expect(typeof step.observation.text).toBe('string');
      }
    }, timeout);

    it('round-trips a JSON snapshot taken mid-episode', async () => {
      const env = create();
      env.reset(task);
      await env.step(options.finishingScript[0] ?? '', new AbortController().signal);
      const snapshot = JSON.parse(JSON.stringify(env.snapshot())) as unknown;
      const expected = env.observation().text;
      const restored = create();
      restored.reset({ problem: 'something else', type: 'qa' });
      restored.restore(snapshot);
      expect(restored.observation().text).toBe(expected);
    }, timeout);

    it('finishes an episode with the finishing script', async () => {
      const env = create();
      env.reset(task);
      for (const text of options.finishingScript) {
        if (env.done) break;
        await env.step(text, new AbortController().signal);
      }
      expect(env.done, 'the finishing script did not finish the episode').toBe(true);
    }, timeout);

    it('ends an episode of nonsense within its round limit', async () => {
      const env = create();
      env.reset(task);
      const limit = (options.settings ?? DEFAULT_SETTINGS).maxRounds + 5;
      for (let i = 0; i < limit && !env.done; i++) await env.step('I am not sure what to do.', new AbortController().signal);
      expect(env.done, `still running after ${limit} nonsense steps`).toBe(true);
    }, timeout);
  });
}
