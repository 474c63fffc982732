import type { Policy } from '@flowsteer/core';
import { describeError } from '@flowsteer/core';
import { EnvRequestError } from './errors.js';
import { PROTOCOL_VERSION, type EpisodeReward, type StepResponse, type WireObservation } from './protocol.js';

/** Where a gateway-style engine wants this rollout's policy calls and reward to go. */
export interface RolloutTarget {
  /** The engine's id of this rollout, echoed in the reward post. */
  readonly id?: string;
  /** A per-rollout policy base URL (gateways that route by URL); else the configured one. */
  readonly policyBaseUrl?: string;
  /** Overrides the configured reward URL for this rollout. */
  readonly rewardUrl?: string;
}

export interface ProxyTurn {
  readonly turn: number;
  readonly awaitingPrompt: boolean;
  readonly completion: string;
  readonly tokenIds?: readonly number[];
  readonly logprobs?: readonly number[];
  readonly accepted: boolean;
}

export interface ProxyRolloutResult {
  readonly protocol: typeof PROTOCOL_VERSION;
  readonly session: string;
  readonly rolloutId?: string;
  readonly reward: number;
  readonly breakdown: EpisodeReward;
  readonly turns: readonly ProxyTurn[];
  /** Whether the reward post was accepted (absent when no reward URL is set). */
  readonly rewardPosted?: boolean;
  readonly rewardPostError?: string;
}

export interface ProxyOptions {
  /** The policy for one rollout: an LLM policy whose backend base URL is the engine's gateway. */
  readonly policy: (target: RolloutTarget) => Policy | Promise<Policy>;
  /** `FLOWSTEER_REWARD_URL`: the episode's reward is POSTed here at its end. */
  readonly rewardUrl?: string;
  /** `FLOWSTEER_REWARD_TOKEN`: sent as a bearer token with the reward post. */
  readonly rewardToken?: string;
  /** A bound on policy turns, on top of the canvas round limit. */
  readonly maxTurns?: number;
}

function readTarget(value: unknown): RolloutTarget {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new EnvRequestError('BAD_REQUEST', 'body.rollout must be an object');
  const record = value as Record<string, unknown>;
  const target: { id?: string; policyBaseUrl?: string; rewardUrl?: string } = {};
  for (const key of ['id', 'policyBaseUrl', 'rewardUrl'] as const) {
    const field = record[key];
    if (field === undefined) continue;
    if (typeof field !== 'string' || field === '') throw new EnvRequestError('BAD_REQUEST', `body.rollout.${key} must be a non-empty string`);
    if (key !== 'id' && !/^https?:\/\//.test(field)) throw new EnvRequestError('BAD_REQUEST', `body.rollout.${key} must be an http(s) URL`);
    target[key] = field;
  }
  return target;
}

/**
 * Proxy mode for gateway-style engines: the server itself runs the episode with the policy behind
 * the engine's gateway, then posts the reward to the engine. The executor keeps its own backend;
 * its calls never go through the policy's gateway.
 */
export class ProxyRollouts {
  readonly #options: ProxyOptions;

  constructor(options: ProxyOptions) {
    this.#options = options;
  }

  async run(session: string, first: WireObservation, step: (action: string) => Promise<StepResponse>, signal: AbortSignal, rollout: unknown): Promise<ProxyRolloutResult> {
    const target = readTarget(rollout);
    const policy = await this.#options.policy(target);
    const turns: ProxyTurn[] = [];
    let observation = first;
    const maxTurns = this.#options.maxTurns ?? 256;
    for (;;) {
      if (turns.length >= maxTurns) throw new EnvRequestError('INTERNAL', `the episode did not end within ${maxTurns} policy turns`);
      const output = await policy.act(observation, signal);
      const response = await step(output.text);
      turns.push({
        turn: observation.turn,
        awaitingPrompt: observation.awaitingPrompt,
        completion: output.text,
        ...(output.tokenIds === undefined ? {} : { tokenIds: output.tokenIds }),
        ...(output.logprobs === undefined ? {} : { logprobs: output.logprobs }),
        accepted: response.info.accepted,
      });
      if (response.done && response.breakdown !== undefined) {
        const posted = await this.#postReward(target, session, response.breakdown);
        return { protocol: PROTOCOL_VERSION, session, ...(target.id === undefined ? {} : { rolloutId: target.id }), reward: response.reward, breakdown: response.breakdown, turns, ...posted };
      }
      // Rollout sessions are never compact, so every observation carries its messages.
      observation = response.observation as WireObservation;
    }
  }

  async #postReward(target: RolloutTarget, session: string, breakdown: EpisodeReward): Promise<{ rewardPosted?: boolean; rewardPostError?: string }> {
    const url = target.rewardUrl ?? this.#options.rewardUrl;
    if (url === undefined) return {};
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.#options.rewardToken === undefined ? {} : { authorization: `Bearer ${this.#options.rewardToken}` }) },
        body: JSON.stringify({ protocol: PROTOCOL_VERSION, rolloutId: target.id ?? session, session, reward: breakdown.total, breakdown }),
        signal: AbortSignal.timeout(30_000),
      });
      await response.arrayBuffer();
      return response.ok ? { rewardPosted: true } : { rewardPosted: false, rewardPostError: `HTTP ${response.status}` };
    } catch (error) {
      return { rewardPosted: false, rewardPostError: describeError(error) };
    }
  }

  async close(): Promise<void> {}
}
