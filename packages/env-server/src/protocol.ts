import type { ChatMessage } from '@flowsteer/core';
import type { StepInfo } from '@flowsteer/canvas';

/** The protocol every request and response speaks; routes live under `/v1/`. */
export const PROTOCOL_VERSION = 'flowsteer.env/1';

/** A task as an engine sends it (snake_case aliases of the dataset format are accepted too). */
export interface EnvTask {
  readonly id?: string;
  readonly problem: string;
  /** math, qa, code, mc, reasoning. */
  readonly type: string;
  /** Dataset key (gsm8k, humaneval, …): picks the metric and the code harness. */
  readonly source?: string;
  /** Ground truth; required unless scoring is off. */
  readonly answer?: string;
  /** Code tasks: unit tests. */
  readonly tests?: string;
  /** Code tasks: the function the tests call. */
  readonly entryPoint?: string;
  /** HumanEval-style prompt prepended to body-only completions. */
  readonly prompt?: string;
}

/** The observation of a session reset with `compact: true`: no `messages` (always one user message holding `text`). */
export interface CompactObservation {
  readonly turn: number;
  readonly text: string;
  readonly awaitingPrompt: boolean;
}

export interface WireObservation extends CompactObservation {
  readonly messages: readonly ChatMessage[];
}

/** What an episode earned, returned once with the step that ended it. */
export interface EpisodeReward {
  readonly schedule: string;
  readonly components: Readonly<Record<string, number>>;
  readonly structure: number;
  readonly released: boolean;
  readonly correctness: number;
  readonly total: number;
  /** The policy finished (not the round limit). */
  readonly finished: boolean;
  /** The round limit ended the episode (the total includes `forcedFinishPenalty`). */
  readonly forcedFinish: boolean;
  /** What was subtracted for the forced finish (0 when the policy finished). */
  readonly forcedFinishPenalty: number;
  readonly rounds: number;
  readonly dsl: string;
  readonly metric: string;
  readonly prediction: string;
  readonly extracted: string;
  readonly scoreDetail?: string;
}

export interface ResetResponse {
  readonly protocol: typeof PROTOCOL_VERSION;
  readonly session: string;
  readonly seed: number;
  readonly schedule: string;
  readonly observation: WireObservation | CompactObservation;
}

export interface StepResponse {
  readonly protocol: typeof PROTOCOL_VERSION;
  readonly session: string;
  readonly observation: WireObservation | CompactObservation;
  readonly feedback: string;
  readonly done: boolean;
  /** The action text the canvas parsed, after the shared completion clean-up. */
  readonly action: string;
  readonly info: StepInfo;
  /** 0 until done; then the episode's total reward. */
  readonly reward: number;
  readonly breakdown?: EpisodeReward;
}

export interface ErrorBody {
  readonly protocol: typeof PROTOCOL_VERSION;
  readonly error: string;
  readonly reason: string;
}

export interface BatchItem<T> {
  readonly status: number;
  readonly body: T | ErrorBody;
}
