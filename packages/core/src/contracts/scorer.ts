export interface ScoreResult {
  /** In [0, 1]: 1/0 for exact metrics, fractional for F1. */
  readonly value: number;
  readonly correct: boolean;
  readonly metric: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface ScoreInput {
  readonly prediction: string;
  readonly reference: string;
  /** Extra material some metrics need: unit tests and entry point for pass@1, choices for MC. */
  readonly extras?: Readonly<Record<string, unknown>>;
}

export interface Scorer {
  readonly metric: string;
  score(input: ScoreInput, signal?: AbortSignal): Promise<ScoreResult>;
}
