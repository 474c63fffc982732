import { EventBus, type Policy, type PolicyFactory } from '@flowsteer/core';
import { describe, expect, it } from 'vitest';
import { ScriptedBackend, type ScriptedReply } from '../scripted-backend.js';
import { SAMPLE_OBSERVATIONS, abortedSignal, loadForSuite, type SlotConformanceOptions } from './shared.js';

export interface PolicyConformanceOptions extends SlotConformanceOptions {
  /** What the policy's LLM answers, for LLM-backed policies. */
  readonly replies?: readonly ScriptedReply[];
  /** `policy.options` handed to the factory. */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** Checks a policy plugin: it builds per episode, acts on action and prompt turns with plain text, and stops when cancelled. */
export function describePolicyConformance(title: string, options: PolicyConformanceOptions): void {
  describe(`${title}: policy plugin conformance`, () => {
    const slot = loadForSuite(options, 'policies');
    const build = async (backend = new ScriptedBackend(options.replies ?? ['<action>finish</action>'])): Promise<{ policy: Policy; backend: ScriptedBackend }> => {
      const factory = slot.get<PolicyFactory>();
      const policy = await factory({ backend: async () => backend, events: new EventBus(), options: options.options ?? {}, taskType: 'math' });
      return { policy, backend };
    };

    it('builds a policy with an id, and a fresh one per episode', async () => {
      const first = (await build()).policy;
      const second = (await build()).policy;
      expect(typeof first.id === 'string' && first.id.length > 0, 'policy.id').toBe(true);
      expect(typeof first.act).toBe('function');
      expect(second, 'the factory must return a new policy each call (policies keep per-episode state)').not.toBe(first);
    });

    it('answers an action turn and a prompt turn with text (and aligned token ids / logprobs when given)', async () => {
      const { policy } = await build();
      for (const observation of SAMPLE_OBSERVATIONS) {
        const output = await policy.act(observation, new AbortController().signal);
        expect(typeof output.text, `turn ${observation.turn} text`).toBe('string');
        if (output.tokenIds !== undefined) expect(output.tokenIds.every((id) => Number.isInteger(id)), 'tokenIds are integers').toBe(true);
        if (output.logprobs !== undefined) expect(output.logprobs.every((p) => Number.isFinite(p) && p <= 0), 'logprobs are finite and ≤ 0').toBe(true);
        if (output.tokenIds !== undefined && output.logprobs !== undefined) expect(output.logprobs.length).toBe(output.tokenIds.length);
      }
    }, options.timeoutMs ?? 30_000);

    it('does not reach its LLM once its signal is aborted', async () => {
      const { policy, backend } = await build();
      try {
        await policy.act(SAMPLE_OBSERVATIONS[0] as (typeof SAMPLE_OBSERVATIONS)[number], abortedSignal());
      } catch {
        // Rejecting is the expected answer to a cancelled turn.
      }
      expect(backend.calls, 'LLM calls after cancellation').toBe(0);
    });
  });
}
