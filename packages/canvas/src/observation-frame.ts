/**
 * The observation of one step, rendered from a frame captured at step time. The frame is a few
 * references (a copy of the state fields, the graph's immutable snapshot), so a step whose
 * observation nobody reads pays almost nothing, and the text, once read, is the state of that
 * step even if the canvas moved on.
 */
import type { ChatMessage } from '@flowsteer/core';
import type { GraphSnapshot, GraphStatistics } from './graph.js';
import type { CanvasObservation, CanvasObservationState } from './observation.js';
import type { CanvasState } from './env-types.js';
import type { EpisodeText } from './step-text.js';

/** What an observation depends on, captured when the step ends. */
export interface ObservationFrame {
  readonly state: Omit<CanvasState, 'graph' | 'history'>;
  readonly dsl: string;
  readonly stats: GraphStatistics;
  readonly graph: GraphSnapshot;
  /** The episode's cached texts (the prompt-request context of a structure child). */
  readonly text: EpisodeText;
}

export interface ObservationRenderer {
  text(frame: ObservationFrame): string;
  state(frame: ObservationFrame): CanvasObservationState;
}

/**
 * `text`, `messages` and `state` are computed on first read and kept. They are getters, so
 * `JSON.stringify` sees them through `toJSON`; a structured clone or a spread copies only `turn`
 * and `awaitingPrompt`.
 */
export class FrameObservation implements CanvasObservation {
  readonly turn: number;
  readonly awaitingPrompt: boolean;
  readonly #frame: ObservationFrame;
  readonly #renderer: ObservationRenderer;
  #text: string | undefined;
  #messages: readonly ChatMessage[] | undefined;
  #state: CanvasObservationState | undefined;

  constructor(frame: ObservationFrame, renderer: ObservationRenderer) {
    this.turn = frame.state.round + 1;
    this.awaitingPrompt = frame.state.phase === 'awaiting_prompt';
    this.#frame = frame;
    this.#renderer = renderer;
  }

  get text(): string {
    return (this.#text ??= this.#renderer.text(this.#frame));
  }

  get messages(): readonly ChatMessage[] {
    return (this.#messages ??= Object.freeze([{ role: 'user', content: this.text }]));
  }

  get state(): CanvasObservationState {
    return (this.#state ??= this.#renderer.state(this.#frame));
  }

  toJSON(): { turn: number; awaitingPrompt: boolean; text: string; messages: readonly ChatMessage[]; state: CanvasObservationState } {
    return { turn: this.turn, awaitingPrompt: this.awaitingPrompt, text: this.text, messages: this.messages, state: this.state };
  }
}
