import { CanvasEnv, cleanPolicyCompletion, type CanvasExecutor, type CanvasOptions } from '@flowsteer/canvas';
import { describeError, type Observation } from '@flowsteer/core';
import { metricFor, predictionOf } from '@flowsteer/eval';
import { PROTOCOL_VERSION, type EnvTask, type EpisodeReward, type StepResponse, type WireObservation } from './protocol.js';
import { rewardFunction, type RewardFunction } from './rewards.js';
import { evalProblemOf, type EpisodeScore, type EpisodeScorer, type ScoringMode } from './scoring.js';

export interface EpisodeSettings {
  readonly id: string;
  readonly task: EnvTask;
  readonly seed: number;
  readonly schedule: string;
  readonly scoring: ScoringMode;
  readonly canvas: Omit<CanvasOptions, 'executor' | 'runId'>;
  readonly executor?: CanvasExecutor;
  readonly scorer: EpisodeScorer;
}

export function wireObservation(observation: Observation): WireObservation {
  return { turn: observation.turn, text: observation.text, messages: observation.messages, awaitingPrompt: observation.awaitingPrompt };
}

/** One session: a canvas episode that executes each edit and is scored and rewarded at its end. */
export class Episode {
  readonly id: string;
  readonly settings: EpisodeSettings;
  readonly #env: CanvasEnv;
  readonly #reward: RewardFunction;
  readonly first: WireObservation;
  touched = Date.now();
  busy = false;
  /** The canvas phase after the last step (read from its step info: `env.state` copies the graph). */
  #awaitingPrompt = false;

  constructor(settings: EpisodeSettings) {
    this.id = settings.id;
    this.settings = settings;
    this.#reward = rewardFunction(settings.schedule);
    this.#env = new CanvasEnv({ ...settings.canvas, ...(settings.executor === undefined ? {} : { executor: settings.executor }), runId: settings.id });
    const task = settings.task;
    const opened = this.#env.reset({
        problem: task.problem,
        type: task.type,
        ...(task.id === undefined ? {} : { id: task.id }),
        ...(task.entryPoint === undefined ? {} : { entryPoint: task.entryPoint }),
        ...(task.tests === undefined ? {} : { test: task.tests }),
    });
    this.first = wireObservation(opened.observation);
    this.#awaitingPrompt = opened.info.phase === 'awaiting_prompt';
  }

  get awaitingPrompt(): boolean {
    return this.#awaitingPrompt;
  }

  /** Cleans the raw completion exactly as the app's LLM policy does, then steps the canvas. */
  async step(raw: string, signal: AbortSignal): Promise<StepResponse> {
    const action = cleanPolicyCompletion(raw, { awaitingPrompt: this.awaitingPrompt });
    const result = await this.#env.step(action, signal);
    this.#awaitingPrompt = result.info.phase === 'awaiting_prompt';
    const breakdown = result.done ? await this.#finalReward(result.info.forcedFinish) : undefined;
    return {
      protocol: PROTOCOL_VERSION,
      session: this.id,
      observation: wireObservation(result.observation),
      feedback: result.feedback,
      done: result.done,
      action,
      info: result.info,
      reward: breakdown?.total ?? 0,
      ...(breakdown === undefined ? {} : { breakdown }),
    };
  }

  /** A scorer that fails (a sandbox crash) scores 0 with the reason, so the episode is not lost. */
  async #score(prediction: string): Promise<EpisodeScore> {
    try {
      return await this.settings.scorer.score(this.settings.task, prediction, this.settings.scoring);
    } catch (error) {
      return { correctness: 0, metric: metricFor(evalProblemOf(this.settings.task)), extracted: '', detail: `scoring failed: ${describeError(error)}` };
    }
  }

  async #finalReward(forcedFinish: boolean): Promise<EpisodeReward> {
    const task = this.settings.task;
    const problem = evalProblemOf(task);
    const dsl = this.#env.graph.toDsl();
    // An episode the round limit ended has no answer (as in the eval package): it is not scored, and
    // the schedule's forced-finish penalty makes it earn less than finishing the same workflow wrong.
    const prediction = forcedFinish ? '' : predictionOf(this.#env, problem);
    const score = forcedFinish ? { correctness: 0, metric: metricFor(problem), extracted: '', detail: 'the round limit ended the episode; not scored' } : await this.#score(prediction);
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
      rounds: this.#env.state.round,
      dsl,
      metric: score.metric,
      prediction,
      extracted: score.extracted,
      ...(score.detail === undefined ? {} : { scoreDetail: score.detail }),
    };
  }
}
