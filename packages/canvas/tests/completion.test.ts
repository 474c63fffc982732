import { ZERO_USAGE, streamFromChat, type LlmBackend } from '@flowsteer/core';
import { describe, expect, it } from 'vitest';
import { CanvasEnv, LlmPolicy, cleanPolicyCompletion } from '../src/index.js';

/** A backend that answers a fixed completion (what a thinking model wrote). */
function answering(text: string): LlmBackend {
  const backend: LlmBackend = {
    id: 'scripted',
    chat: async () => ({ text, model: 'scripted', finishReason: 'stop', usage: ZERO_USAGE, latencyMs: 0 }),
    stream: (request) => streamFromChat(backend, request),
  };
  return backend;
}

const THINKING = '<think>maybe <action>finish</action> already?</think><action>add</action><operator>Plan</operator>';

describe('cleanPolicyCompletion', () => {
  it('drops think blocks and keeps only the first action, as the parser must see it', () => {
    expect(cleanPolicyCompletion(THINKING, { awaitingPrompt: false })).toBe('<action>add</action><operator>Plan</operator>');
    expect(cleanPolicyCompletion('<action>add</action><operator>Plan</operator><action>finish</action>', { awaitingPrompt: false })).toBe('<action>add</action><operator>Plan</operator>');
    expect(cleanPolicyCompletion('<think>hmm</think>Plan the product.', { awaitingPrompt: true })).toBe('Plan the product.');
    expect(cleanPolicyCompletion('<think>never closed', { awaitingPrompt: false })).toContain('<think_only>');
  });

  it('is what the LLM policy sends to the canvas: a thinking completion adds Plan, not finish', async () => {
    const env = new CanvasEnv();
    const { observation } = env.reset({ problem: 'What is 6 times 7?', type: 'math' });
    const output = await new LlmPolicy(answering(THINKING)).act(observation, new AbortController().signal);
    expect(output.text).toBe(cleanPolicyCompletion(THINKING, observation));
    const step = await env.step(output.text);
    expect(step.info).toMatchObject({ accepted: true, phase: 'awaiting_prompt' });
    expect(step.info.action).toMatchObject({ type: 'add' });
  });
});
