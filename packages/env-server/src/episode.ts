import { CanvasEnv, cleanPolicyCompletion, type CanvasExecutor, type CanvasOptions, type StepInfo } from '@flowsteer/canvas';
import { describeError, type CanvasEnvironment, type CanvasResult, type CanvasStepOutcome, type CanvasTaskSpec, type Observation } from '@flowsteer/core';
import { metricFor, predictionFromOutput, predictionOf } from '@flowsteer/eval';
import { PROTOCOL_VERSION, type CompactObservation, type EnvTask, type EpisodeReward, type StepResponse, type WireObservation } from './protocol.js';
import { rewardFunction, type RewardFunction } from './rewards.js';
import { evalProblemOf, type EpisodeScore, type EpisodeScorer, type ScoringMode } from './scoring.js';

/** Builds the canvas of one session (the one `canvas.use` names); called once per session. */
export type CanvasFactoryFn = (context: { readonly runId: string; readonly executor?: CanvasExecutor }) => CanvasEnvironment;

export interface EpisodeSettings {
  readonly id: string;
  readonly task: EnvTask;
  readonly seed: number;
  readonly schedule: string;
  readonly scoring: ScoringMode;
  readonly canvas: Omit<CanvasOptions, 'executor' | 'runId'>;
  readonly executor?: CanvasExecutor;
  /** Another canvas than the built-in one; `canvas` then only gives the round limit. */
  readonly createCanvas?: CanvasFactoryFn;
  readonly scorer: EpisodeScorer;
  /** Observations without `messages`: the prompt is serialised once per step instead of twice. */
  readonly compact?: boolean;
}

export function wireObservation(observation: Observation): WireObservation {
  return { turn: observation.turn, text: observation.text, messages: observation.messages, awaitingPrompt: observation.awaitingPrompt };
}

/** Without `messages`, which the canvas never renders then (its observation is lazy). */
export function compactObservation(observation: Observation): CompactObservation {
  return { turn: observation.turn, text: observation.text, awaitingPrompt: observation.awaitingPrompt };
}

function canvasTask(task: EnvTask): CanvasTaskSpec {
  return {
    problem: task.problem,
    type: task.type,
    ...(task.id === undefined ? {} : { id: task.id }),
    ...(task.entryPoint === undefined ? {} : { entryPoint: task.entryPoint }),
    ...(task.tests === undefined ? {} : { test: task.tests }),
  };
}

/** What the end of an episode gives the reward, whichever canvas played it. */
interface EpisodeEnd {
  readonly forcedFinish: boolean;
  readonly dsl: string;
  readonly prediction: string;
  readonly rounds: number;
}

/** One session: a canvas episode that executes each edit and is scored and rewarded at its end. */
export class Episode {
  readonly id: string;
  readonly settings: EpisodeSettings;
  readonly #env: CanvasEnvironment;
  /** Set when the canvas is the built-in one, whose state gives the DSL, rounds and answer directly. */
  readonly #builtin: CanvasEnv | undefined;
  readonly #reward: RewardFunction;
  readonly first: WireObservation | CompactObservation;
  touched = Date.now();
  busy = false;
  /** The canvas phase after the last step (read from the step, not from `env.state`, which copies the graph). */
  #awaitingPrompt: boolean;
  #steps = 0;

  constructor(settings: EpisodeSettings) {
    this.id = settings.id;
    this.settings = settings;
    this.#reward = rewardFunction(settings.schedule);
    const executor = settings.executor === undefined ? {} : { executor: settings.executor };
    this.#env = settings.createCanvas === undefined ? new CanvasEnv({ ...settings.canvas, ...executor, runId: settings.id }) : settings.createCanvas({ runId: settings.id, ...executor });
    this.#builtin = this.#env instanceof CanvasEnv ? this.#env : undefined;
    const opened = this.#env.reset(canvasTask(settings.task));
    this.first = this.#wire(opened.observation);
    this.#awaitingPrompt = opened.observation.awaitingPrompt;
  }

  #wire(observation: Observation): WireObservation | CompactObservation {
    return this.settings.compact === true ? compactObservation(observation) : wireObservation(observation);
  }

  get awaitingPrompt(): boolean {
    return this.#awaitingPrompt;
  }

  /** Cleans the raw completion exactly as the app's LLM policy does, then steps the canvas. */
  async step(raw: string, signal: AbortSignal): Promise<StepResponse> {
    const action = cleanPolicyCompletion(raw, { awaitingPrompt: this.#awaitingPrompt });
    const outcome = await this.#env.step(action, signal);
    this.#steps++;
    // Another canvas's own report of the episode so far, read once for the step's info and its end.
    const reported = this.#builtin === undefined ? this.#env.result?.() : undefined;
    const info = this.#builtin === undefined ? this.#otherInfo(outcome, reported) : (outcome.info as StepInfo);
    this.#awaitingPrompt = outcome.observation.awaitingPrompt;
    const done = outcome.done || info.forcedFinish;
    const breakdown = done ? await this.#finalReward(this.#builtin === undefined ? this.#otherEnd(info.forcedFinish, reported) : this.#builtinEnd(this.#builtin, info.forcedFinish)) : undefined;
    return {
      protocol: PROTOCOL_VERSION,
      session: this.id,
      observation: this.#wire(outcome.observation),
      feedback: outcome.feedback,
      done,
      action,
      info,
      reward: breakdown?.total ?? 0,
      ...(breakdown === undefined ? {} : { breakdown }),
    };
  }

  /**
   * Another canvas reports its own details; the protocol's step fields are filled in around them
   * (its own keys win). Its round limit is the server's, as in eval: past it the episode is forced.
   */
  #otherInfo(outcome: CanvasStepOutcome, result: CanvasResult | undefined): StepInfo {
    const forced = result?.forced === true || (!outcome.done && this.#steps >= (this.settings.canvas.maxRounds ?? 20));
    const base = {
      round: result?.rounds ?? this.#steps,
      kind: this.#awaitingPrompt ? 'prompt' : 'action',
      accepted: true,
      phase: outcome.observation.awaitingPrompt ? 'awaiting_prompt' : 'building',
      dsl: result?.workflow ?? '',
      executed: false,
      finished: outcome.done && !forced,
      forcedFinish: forced,
    };
    return { ...base, ...(outcome.info as Partial<StepInfo>), forcedFinish: forced } as StepInfo;
  }

  #builtinEnd(env: CanvasEnv, forcedFinish: boolean): EpisodeEnd {
    // An episode the round limit ended has no answer (as in the eval package): it is not scored.
    return { forcedFinish, dsl: env.graph.toDsl(), prediction: forcedFinish ? '' : predictionOf(env, evalProblemOf(this.settings.task)), rounds: env.state.round };
  }

  /** The answer of another canvas, as eval reads it: its result's output (code tasks: its code). */
  #otherEnd(forcedFinish: boolean, result: CanvasResult | undefined): EpisodeEnd {
    const prediction = forcedFinish ? '' : predictionFromOutput(result?.output ?? null, this.settings.task.type);
    return { forcedFinish, dsl: result?.workflow ?? '', prediction, rounds: result?.rounds ?? this.#steps };
  }

  /** A scorer that fails (a sandbox crash) scores 0 with the reason, so the episode is not lost. */
  async #score(prediction: string): Promise<EpisodeScore> {
    try {
      return await this.settings.scorer.score(this.settings.task, prediction, this.settings.scoring);
    } catch (error) {
      return { correctness: 0, metric: metricFor(evalProblemOf(this.settings.task)), extracted: '', detail: `scoring failed: ${describeError(error)}` };
    }
  }

  async #finalReward(end: EpisodeEnd): Promise<EpisodeReward> {
    const { forcedFinish, dsl, prediction } = end;
    // The schedule's forced-finish penalty makes a forced end earn less than finishing the same workflow wrong.
    const score = forcedFinish ? { correctness: 0, metric: metricFor(evalProblemOf(this.settings.task)), extracted: '', detail: 'the round limit ended the episode; not scored' } : await this.#score(prediction);
    const reward = this.#reward(dsl, score.correctness, { forcedFinish });
    return {
      schedule: this.settings.schedule,
      components: reward.components,
      structure: reward.structure,
      released: reward.released,
      correctness: reward.correctness,
      total: reward.total,
      finished: !forcedFinish,
      forcedFinish,
      forcedFinishPenalty: reward.forcedFinishPenalty,
      rounds: end.rounds,
      dsl,
      metric: score.metric,
      prediction,
      extracted: score.extracted,
      ...(score.detail === undefined ? {} : { scoreDetail: score.detail }),
    };
  }
}
