/** Where and how a training run happens. `out` holds checkpoints; rerunning with the same `out` resumes. */
export interface TrainRequest {
  readonly out: string;
  /** Trainer-specific settings (the built-in CWRPO trainer reads groups, groupSize, updates, seed, reward, …). */
  readonly options: Readonly<Record<string, unknown>>;
  readonly signal: AbortSignal;
  /** Called after each update with numbers worth showing (reward, loss, …). */
  readonly onProgress?: (progress: TrainProgress) => void;
  readonly onNotice?: (message: string) => void;
}

export interface TrainProgress {
  readonly update: number;
  readonly total: number;
  readonly metrics: Readonly<Record<string, number>>;
  /** One line for a terminal. */
  readonly line?: string;
}

/** What a finished (or resumed and finished) run reports: data for `--json`, text for people. */
export interface TrainOutcome {
  readonly out: string;
  readonly resumedFrom: number | null;
  readonly updates: number;
  readonly report: Readonly<Record<string, unknown>>;
  readonly text: string;
}

export interface EvaluateRequest {
  readonly out: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly signal: AbortSignal;
}

export interface ExportRequest {
  /** The run directory whose policy to export. */
  readonly out: string;
  /** Where to write; a file or directory, as the format needs. */
  readonly to: string;
  readonly format: string;
  readonly signal: AbortSignal;
}

/**
 * A policy trainer (CWRPO on the simulator is built in; an external RL engine is another).
 * Every method works from the run directory alone, so a crashed run resumes from its last
 * checkpoint with `resume`, and `evaluate`/`export` work on any finished run.
 */
export interface PolicyTrainer {
  readonly id: string;
  /** Starts a run, or continues it when `out` already holds a checkpoint. */
  train(request: TrainRequest): Promise<TrainOutcome>;
  /** Continues a run from its checkpoint; fails with a typed error when there is none. */
  resume(request: TrainRequest): Promise<TrainOutcome>;
  evaluate(request: EvaluateRequest): Promise<Readonly<Record<string, unknown>>>;
  /** Writes the trained policy in `format` and returns the paths written. */
  export(request: ExportRequest): Promise<readonly string[]>;
}
