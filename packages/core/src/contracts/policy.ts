import type { ChatMessage } from './llm.js';

/** What the Flow-Director sees each turn. `text` is the full prompt; `messages` the chat form of it. */
export interface Observation {
  readonly turn: number;
  readonly text: string;
  readonly messages: readonly ChatMessage[];
  /** True when the canvas is waiting for an operator prompt rather than an action. */
  readonly awaitingPrompt: boolean;
  /** Structured canvas state for non-LLM policies (feature extractors, humans, templates). */
  readonly state?: Readonly<Record<string, unknown>>;
}

export interface PolicyOutput {
  /** The raw text the canvas will parse; never post-processed by the caller. */
  readonly text: string;
  /** Policy token ids of `text`, when known, for the CWRPO token mask. */
  readonly tokenIds?: readonly number[];
  readonly logprobs?: readonly number[];
}

/** The Flow-Director: turns an observation into one raw action text. */
export interface Policy {
  readonly id: string;
  act(observation: Observation, signal: AbortSignal): Promise<PolicyOutput>;
}
