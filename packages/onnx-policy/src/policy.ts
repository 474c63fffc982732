import type { Observation, Policy, PolicyOutput } from '@flowsteer/core';
import { ACTIONS, Rng, canvasFeaturesFrom, featuresOf, promptFor, validMask } from '@flowsteer/cwrpo';
import type { OnnxPolicyModel } from './model.js';

/** A Policy backed by the ONNX model: the embedded default Flow-Director. */
export class OnnxPolicy implements Policy {
  readonly id = 'onnx-local';
  readonly #model: OnnxPolicyModel;
  readonly #mode: 'greedy' | 'sample';
  readonly #rng: Rng;

  constructor(model: OnnxPolicyModel, options: { mode?: 'greedy' | 'sample'; seed?: number } = {}) {
    this.#model = model;
    this.#mode = options.mode ?? 'greedy';
    this.#rng = new Rng(options.seed ?? 1);
  }

  async act(observation: Observation): Promise<PolicyOutput> {
    if (observation.awaitingPrompt) {
      const pending = observation.state?.['pendingOperator'];
      return { text: promptFor(typeof pending === 'string' ? pending : 'current') };
    }
    const state = canvasFeaturesFrom(observation.state);
    const mask = validMask(state);
    const [probs] = await this.#model.probabilities([featuresOf(state)], [mask]);
    if (probs === undefined) throw new Error('the ONNX policy returned no probabilities');
    let action = 0;
    if (this.#mode === 'greedy') {
      for (let i = 1; i < probs.length; i++) if ((probs[i] as number) > (probs[action] as number)) action = i;
    } else {
      action = this.#rng.categorical(probs);
    }
    return { text: (ACTIONS[action] as (typeof ACTIONS)[number]).xml, tokenIds: [action], logprobs: [Math.log(probs[action] as number)] };
  }
}
