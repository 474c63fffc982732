/**
 * The observation the policy sees, rendered from a frame captured at step time: the step stays
 * cheap when nobody reads the text (an engine that only needs the feedback, a replay), and the
 * text, once read, is the state of that step even if the canvas moved on.
 */
import type { ChatMessage, Observation } from '@flowsteer/core';

/** The structured canvas state for non-LLM policies (feature extractors, humans, templates). */
export type CanvasObservationState = {
  readonly dsl: string;
  readonly phase: 'building' | 'awaiting_prompt';
  readonly round: number;
  readonly maxRounds: number;
  readonly operators: readonly string[];
  readonly hasParallel: boolean;
  readonly hasConditional: boolean;
  readonly hasLoop: boolean;
  readonly taskType: string;
  readonly pendingOperator: string | null;
  readonly finishAllowed: boolean;
  readonly finished: boolean;
};

/** An Observation whose `state` is the typed canvas state. */
export interface CanvasObservation extends Observation {
  readonly state: CanvasObservationState;
}

const STATE_KEYS: readonly (keyof CanvasObservationState)[] = ['dsl', 'phase', 'round', 'maxRounds', 'operators', 'hasParallel', 'hasConditional', 'hasLoop', 'taskType', 'pendingOperator', 'finishAllowed', 'finished'];

/** The typed canvas state of any observation, or undefined when it did not come from a canvas. */
export function canvasObservationState(observation: Observation): CanvasObservationState | undefined {
  const state = observation.state;
  if (state === undefined || !STATE_KEYS.every((key) => key in state)) return undefined;
  if (typeof state['dsl'] !== 'string' || !Array.isArray(state['operators'])) return undefined;
  return state as CanvasObservationState;
}

/**
 * An observation whose `text`, `messages` and `state` are computed on first read and then kept.
 * They are enumerable own properties, so JSON and structured clones see them like plain fields.
 */
export function lazyObservation(turn: number, awaitingPrompt: boolean, renderText: () => string, renderState: () => CanvasObservationState): CanvasObservation {
  let text: string | undefined;
  let messages: readonly ChatMessage[] | undefined;
  let state: CanvasObservationState | undefined;
  const observation = { turn, awaitingPrompt } as { turn: number; awaitingPrompt: boolean };
  Object.defineProperties(observation, {
    text: { enumerable: true, get: () => (text ??= renderText()) },
    messages: { enumerable: true, get: () => (messages ??= Object.freeze([{ role: 'user', content: (text ??= renderText()) }])) },
    state: { enumerable: true, get: () => (state ??= renderState()) },
  });
  return observation as unknown as CanvasObservation;
}

/** A result object whose `observation` is produced on first read. */
export function withLazyObservation<T extends object>(result: T, observation: () => CanvasObservation): T & { readonly observation: CanvasObservation } {
  let value: CanvasObservation | undefined;
  Object.defineProperty(result, 'observation', { enumerable: true, get: () => (value ??= observation()) });
  return result as T & { readonly observation: CanvasObservation };
}
