import type { Observation, Policy, PolicyOutput } from '@flowsteer/core';
import { ACTIONS, FEATURE_SIZE, canvasFeaturesFrom, featuresOf, promptFor, validMask } from './actions.js';
import { createMlp, forward, maskedSoftmax, type MlpParams } from './network.js';
import { Rng } from './random.js';

export interface LocalPolicyOptions {
  /** Sample from the distribution (training) or take the most likely action (evaluation). */
  readonly mode?: 'sample' | 'greedy';
  readonly seed?: number;
}

/**
 * The lightweight Flow-Director: an MLP over canvas features that scores the valid actions.
 * Each decision is returned as one "token": `tokenIds = [action index]`, `logprobs = [log π]`,
 * which is exactly what the trainer needs (the canvas mask is then trivially 1 per decision).
 */
export class LocalPolicy implements Policy {
  readonly id: string;
  readonly params: MlpParams;
  readonly #mode: 'sample' | 'greedy';
  readonly #rng: Rng;

  constructor(params: MlpParams, options: LocalPolicyOptions = {}) {
    if (params.inputSize !== FEATURE_SIZE || params.outputSize !== ACTIONS.length) {
      throw new Error(`policy network shape ${params.inputSize}→${params.outputSize} does not match features ${FEATURE_SIZE}→actions ${ACTIONS.length}`);
    }
    this.params = params;
    this.#mode = options.mode ?? 'sample';
    this.#rng = new Rng(options.seed ?? 1);
    this.id = `local-mlp:${this.#mode}`;
  }

  static create(seed: number, hiddenSize = 32): LocalPolicy {
    return new LocalPolicy(createMlp(FEATURE_SIZE, hiddenSize, ACTIONS.length, new Rng(seed)), { seed });
  }

  withMode(mode: 'sample' | 'greedy', seed?: number): LocalPolicy {
    return new LocalPolicy(this.params, { mode, seed: seed ?? this.#rng.state });
  }

  /** Action probabilities for an observation's canvas state. */
  distribution(state: Readonly<Record<string, unknown>> | undefined): { probs: Float64Array; logProbs: Float64Array; mask: Float64Array } {
    const features = canvasFeaturesFrom(state);
    const mask = validMask(features);
    const { logits } = forward(this.params, featuresOf(features));
    const { probs, logProbs } = maskedSoftmax(logits, mask);
    return { probs, logProbs, mask };
  }

  async act(observation: Observation): Promise<PolicyOutput> {
    if (observation.awaitingPrompt) {
      const pending = observation.state?.['pendingOperator'];
      return { text: promptFor(typeof pending === 'string' ? pending : 'current') };
    }
    const { probs, logProbs } = this.distribution(observation.state);
    let action = 0;
    if (this.#mode === 'greedy') {
      for (let i = 1; i < probs.length; i++) if ((probs[i] as number) > (probs[action] as number)) action = i;
    } else {
      action = this.#rng.categorical(probs);
    }
    return { text: (ACTIONS[action] as (typeof ACTIONS)[number]).xml, tokenIds: [action], logprobs: [logProbs[action] as number] };
  }
}

/** Uniform over the valid actions: the random baseline. */
export class RandomPolicy implements Policy {
  readonly id = 'random-valid';
  readonly #rng: Rng;
  constructor(seed: number) {
    this.#rng = new Rng(seed);
  }
  async act(observation: Observation): Promise<PolicyOutput> {
    if (observation.awaitingPrompt) {
      const pending = observation.state?.['pendingOperator'];
      return { text: promptFor(typeof pending === 'string' ? pending : 'current') };
    }
    const mask = validMask(canvasFeaturesFrom(observation.state));
    const valid = [...mask.keys()].filter((i) => (mask[i] as number) > 0);
    const action = valid[this.#rng.int(valid.length)] as number;
    return { text: (ACTIONS[action] as (typeof ACTIONS)[number]).xml, tokenIds: [action] };
  }
}
