import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError, appendLineDurable, writeFileAtomic, type Policy } from '@flowsteer/core';
import { parseDsl } from '@flowsteer/canvas';
import { ACTIONS, FEATURE_SIZE, canvasFeaturesFrom, featuresOf, validMask } from './actions.js';
import { DEFAULT_OBJECTIVE, decisionLoss, groupAdvantages, type ObjectiveConfig } from './advantages.js';
import { LocalPolicy } from './local-policy.js';
import { AdamW, DEFAULT_WEIGHT_DECAY, backward, cloneParams, createMlp, forward, maskedSoftmax, paramsFromJSON, paramsToJSON, zeroGrads, type MlpGrads, type MlpParams } from './network.js';
import { REWARD_SCHEDULES, correctnessReward, cwrpoReward, type EpisodeEnd, type RewardBreakdown } from './reward.js';
import { Rng } from './random.js';
import { rolloutGroups, type RolloutOptions, type Trajectory } from './rollout.js';
import { TEMPLATES, WorkflowSimulator, type SimTask } from './simulator.js';

export interface TrainConfig {
  readonly seed: number;
  /** Tasks per update (each is one GRPO group). */
  readonly groups: number;
  /** Rollouts per task. */
  readonly groupSize: number;
  readonly updates: number;
  readonly hiddenSize: number;
  readonly learningRate: number;
  /** AdamW's decoupled weight decay. */
  readonly weightDecay: number;
  /** Optimisation passes over each batch of decisions. */
  readonly epochs: number;
  readonly objective: ObjectiveConfig;
  /** `cwrpo` = structure + conditionally released correctness; `correctness` = the plain baseline. */
  readonly reward: 'cwrpo' | 'correctness';
  readonly schedule: string;
  /** Subtracted from the training reward per 1,000 simulated tokens the workflow spends (0: off). */
  readonly tokenPenalty: number;
  readonly canvas: { readonly maxRounds: number; readonly minOperators: number; readonly requireChecker: boolean; readonly requireStructure: boolean };
  readonly concurrency: number;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  seed: 7,
  groups: 8,
  groupSize: 8,
  updates: 200,
  hiddenSize: 32,
  learningRate: 0.01,
  weightDecay: DEFAULT_WEIGHT_DECAY,
  epochs: 4,
  objective: DEFAULT_OBJECTIVE,
  reward: 'cwrpo',
  schedule: 'reference',
  tokenPenalty: 0,
  // The finish rules are relaxed so that an early finish is possible and the reward alone must
  // teach structure (otherwise the canvas forbids the shortcut the ablation measures).
  canvas: { maxRounds: 20, minOperators: 1, requireChecker: false, requireStructure: false },
  concurrency: 16,
};

export interface UpdateMetrics {
  readonly update: number;
  readonly meanReward: number;
  /** Sampled correctness (what the reward saw). */
  readonly meanCorrectness: number;
  /** Expected correctness under the simulator. */
  readonly meanSuccessProbability: number;
  readonly meanStructureReward: number;
  readonly releasedRate: number;
  readonly meanFinishRound: number;
  /** Share of episodes the policy finished (the rest were auto-finished by the round limit). */
  readonly finishedRate: number;
  /** Share of episodes that finished with fewer than 3 operators. */
  readonly earlyFinishRate: number;
  /** Among finished episodes, the share with fewer than 3 operators (null when none finished). */
  readonly earlyFinishAmongFinished: number | null;
  /** Share of episodes finished by the policy, with full structure, and (sampled) correct. */
  readonly finishedStructuredCorrectRate: number;
  /** Share of groups whose rewards were all equal, so every advantage in them was 0 (no learning signal). */
  readonly zeroAdvantageGroupShare: number;
  readonly meanOperators: number;
  readonly meanSimTokens: number;
  readonly loss: number;
  readonly kl: number;
  readonly entropy: number;
  readonly clipFraction: number;
  readonly rolloutSeconds: number;
  readonly updateSeconds: number;
}

interface Checkpoint {
  readonly format: 'flowsteer.cwrpo.checkpoint';
  readonly version: 2;
  readonly config: TrainConfig;
  readonly completedUpdates: number;
  readonly params: ReturnType<typeof paramsToJSON>;
  readonly reference: ReturnType<typeof paramsToJSON>;
  readonly adam: ReturnType<AdamW['toJSON']>;
  readonly rngState: number;
}

interface Decision {
  readonly features: Float64Array;
  readonly mask: Float64Array;
  readonly action: number;
  readonly oldLogProb: number;
  readonly refLogProb: number;
  readonly advantage: number;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function hashSeed(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}

/** Expected correctness of a trajectory's final workflow (finished, or auto-finished by the round limit as the reference does). */
export function expectedCorrectness(simulator: WorkflowSimulator, trajectory: Trajectory): number {
  return simulator.successProbability(trajectory.task as SimTask, parseDsl(trajectory.finalDsl));
}

/** Whether all rewards of a group are equal (then all its advantages are 0). */
export function isZeroAdvantageGroup(group: readonly Trajectory[]): boolean {
  return group.every((t) => Math.abs(t.reward.total - (group[0] as Trajectory).reward.total) < 1e-12);
}

/** Per-decision training samples of a batch, with advantages and reference log-probs. */
export function decisionsOf(groups: readonly Trajectory[][], reference: MlpParams): Decision[] {
  const decisions: Decision[] = [];
  for (const group of groups) {
    for (const trajectory of group) {
      for (const turn of trajectory.turns) {
        if (turn.kind !== 'action' || turn.tokenIds === undefined || turn.logprobs === undefined) continue;
        const state = canvasFeaturesFrom(turn.state);
        const features = featuresOf(state);
        const mask = validMask(state);
        const action = turn.tokenIds[0] as number;
        const refLogProb = maskedSoftmax(forward(reference, features).logits, mask).logProbs[action] as number;
        decisions.push({ features, mask, action, oldLogProb: turn.logprobs[0] as number, refLogProb, advantage: trajectory.advantage });
      }
    }
  }
  return decisions;
}

/** Mean loss over decisions and its gradient (accumulated into a fresh gradient buffer). */
export function batchLossAndGrad(params: MlpParams, decisions: readonly Decision[], objective: ObjectiveConfig): { loss: number; grads: MlpGrads; kl: number; entropy: number; clipFraction: number } {
  const grads = zeroGrads(params);
  let loss = 0;
  let kl = 0;
  let entropy = 0;
  let clipped = 0;
  const n = Math.max(1, decisions.length);
  for (const d of decisions) {
    const { hidden, logits } = forward(params, d.features);
    const dist = maskedSoftmax(logits, d.mask);
    const terms = decisionLoss({ logProb: dist.logProbs[d.action] as number, oldLogProb: d.oldLogProb, refLogProb: d.refLogProb, advantage: d.advantage, entropy: dist.entropy }, objective);
    loss += terms.loss / n;
    kl += terms.kl / n;
    entropy += dist.entropy / n;
    if (terms.clipped) clipped++;
    // ∂logπ(a)/∂z = e_a − p over valid actions; ∂H/∂z_j = −p_j (log p_j + H).
    const dLogits = new Float64Array(logits.length);
    for (let j = 0; j < logits.length; j++) {
      if ((d.mask[j] as number) <= 0) continue;
      const p = dist.probs[j] as number;
      const dLogProb = (j === d.action ? 1 : 0) - p;
      const dEntropy = -p * ((dist.logProbs[j] as number) + dist.entropy);
      dLogits[j] = (terms.dLogProb * dLogProb + terms.dEntropy * dEntropy) / n;
    }
    backward(params, d.features, hidden, dLogits, grads);
  }
  return { loss, grads, kl, entropy, clipFraction: clipped / n };
}

export interface TrainerEvents {
  readonly onUpdate?: (metrics: UpdateMetrics) => void;
  readonly signal?: AbortSignal;
}

/**
 * CWRPO on the workflow simulator: G sampled rollouts per task, group-relative advantages,
 * clipped objective with KL to the initial policy and an entropy bonus. Every update is
 * checkpointed atomically (weights, optimiser and RNG state) so a killed run resumes exactly.
 */
export class Trainer {
  readonly simulator = new WorkflowSimulator();
  readonly #dir: string;
  readonly config: TrainConfig;
  params: MlpParams;
  readonly reference: MlpParams;
  readonly #adam: AdamW;
  #rng: Rng;
  completedUpdates: number;

  private constructor(dir: string, config: TrainConfig, checkpoint?: Checkpoint) {
    this.#dir = dir;
    this.config = config;
    if (checkpoint === undefined) {
      this.params = createMlp(FEATURE_SIZE, config.hiddenSize, ACTIONS.length, new Rng(config.seed));
      this.reference = cloneParams(this.params);
      this.#adam = new AdamW(this.params, config.learningRate, config.weightDecay);
      this.#rng = new Rng(config.seed ^ 0x9e3779b9);
      this.completedUpdates = 0;
    } else {
      this.params = paramsFromJSON(checkpoint.params);
      this.reference = paramsFromJSON(checkpoint.reference);
      this.#adam = new AdamW(this.params, config.learningRate, config.weightDecay);
      this.#adam.load(checkpoint.adam);
      this.#rng = Rng.fromState(checkpoint.rngState);
      this.completedUpdates = checkpoint.completedUpdates;
    }
  }

  static checkpointPath(dir: string): string {
    return join(dir, 'checkpoint.json');
  }

  /**
   * Starts a run in `dir`, or resumes the one already there. On resume the checkpoint's config
   * wins except for `updates` (the target may grow); `ignored` lists requested settings that
   * differ from the checkpoint and were not applied.
   */
  static async open(dir: string, config: TrainConfig): Promise<{ trainer: Trainer; resumed: boolean; ignored: string[] }> {
    await mkdir(dir, { recursive: true });
    let checkpoint: Checkpoint | undefined;
    try {
      checkpoint = JSON.parse(await readFile(Trainer.checkpointPath(dir), 'utf8')) as Checkpoint;
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw new StoreError(`cannot read the checkpoint in ${dir}: ${(error as Error).message}`, { cause: error });
    }
    if (checkpoint !== undefined && checkpoint.format !== 'flowsteer.cwrpo.checkpoint') throw new StoreError(`${Trainer.checkpointPath(dir)} is not a CWRPO checkpoint`);
    // Version 1 was trained on the simulator with shortcuts, with other features and no weight decay.
    if (checkpoint !== undefined && checkpoint.version !== 2) throw new StoreError(`${Trainer.checkpointPath(dir)} is a version ${String(checkpoint.version)} checkpoint from an older simulator and policy; start a new run in another directory`);
    const effective = checkpoint === undefined ? config : { ...checkpoint.config, updates: config.updates };
    const ignored = checkpoint === undefined ? [] : (Object.keys(config) as Array<keyof TrainConfig>).filter((key) => key !== 'updates' && JSON.stringify(config[key]) !== JSON.stringify(checkpoint.config[key]));
    const trainer = new Trainer(dir, effective, checkpoint);
    if (checkpoint !== undefined) await trainer.#trimMetrics();
    return { trainer, resumed: checkpoint !== undefined, ignored };
  }

  get metricsPath(): string {
    return join(this.#dir, 'metrics.jsonl');
  }

  rolloutOptions(reward: TrainConfig['reward'] = this.config.reward, correctnessSeed = 0): RolloutOptions {
    const schedule = REWARD_SCHEDULES[this.config.schedule];
    if (schedule === undefined) throw new Error(`unknown reward schedule "${this.config.schedule}"; known: ${Object.keys(REWARD_SCHEDULES).join(', ')}`);
    return {
      canvas: { ...this.config.canvas, executeEachStep: false },
      // Correctness is a Bernoulli draw from the simulator, as one real execution gives, seeded per
      // rollout for reproducibility. A workflow the round limit auto-finished is run and scored too
      // (as in the reference); the reward's forced-finish penalty is what not finishing costs.
      score: (task, env, id) => (new Rng(hashSeed(`${correctnessSeed}:${id}`)).next() < this.simulator.successProbability(task as SimTask, env.graph) ? 1 : 0),
      reward: (dsl, correctness, end: EpisodeEnd): RewardBreakdown => {
        const base = reward === 'cwrpo' ? cwrpoReward(dsl, correctness, schedule, end) : correctnessReward(dsl, correctness, end, schedule.forcedFinishPenalty);
        if (this.config.tokenPenalty === 0) return base;
        const tokenCostPenalty = (this.config.tokenPenalty * this.simulator.tokenCost(parseDsl(dsl))) / 1000;
        return { ...base, tokenCostPenalty, total: base.total - tokenCostPenalty };
      },
    };
  }

  /** Runs until `config.updates` updates are done (resuming counts what is already done). */
  async run(events: TrainerEvents = {}): Promise<void> {
    while (this.completedUpdates < this.config.updates) {
      if (events.signal?.aborted === true) return;
      const metrics = await this.step();
      events.onUpdate?.(metrics);
    }
  }

  /** One update: rollouts, advantages, optimisation, metrics line, checkpoint. */
  async step(): Promise<UpdateMetrics> {
    const update = this.completedUpdates;
    const rolloutStart = performance.now();
    const tasks = Array.from({ length: this.config.groups }, (_, i) => this.simulator.sampleTask(this.#rng, update * this.config.groups + i));
    const seed = this.#rng.int(2 ** 31);
    const snapshot = cloneParams(this.params);
    const groups = await rolloutGroups((t, g) => new LocalPolicy(snapshot, { mode: 'sample', seed: hashSeed(`${seed}:${t}:${g}`) }), tasks, this.config.groupSize, {
      ...this.rolloutOptions(this.config.reward, seed),
      concurrency: this.config.concurrency,
    });
    for (const group of groups) {
      const advantages = groupAdvantages(group.map((t) => t.reward.total));
      group.forEach((trajectory, i) => (trajectory.advantage = advantages[i] as number));
    }
    const rolloutSeconds = (performance.now() - rolloutStart) / 1000;
    const updateStart = performance.now();
    const decisions = decisionsOf(groups, this.reference);
    let last = { loss: 0, kl: 0, entropy: 0, clipFraction: 0 };
    for (let epoch = 0; epoch < this.config.epochs; epoch++) {
      const result = batchLossAndGrad(this.params, decisions, this.config.objective);
      this.#adam.step(this.params, result.grads);
      last = result;
    }
    const updateSeconds = (performance.now() - updateStart) / 1000;
    const all = groups.flat();
    const finished = all.filter((t) => t.finished);
    const metrics: UpdateMetrics = {
      update,
      meanReward: mean(all.map((t) => t.reward.total)),
      meanCorrectness: mean(all.map((t) => t.correctness)),
      meanSuccessProbability: mean(all.map((t) => expectedCorrectness(this.simulator, t))),
      // Structure is measured with the schedule even when the reward ignores it (the baseline).
      meanStructureReward: mean(all.map((t) => this.#structure(t.finalDsl))),
      releasedRate: mean(all.map((t) => (this.#structure(t.finalDsl) >= 1 ? 1 : 0))),
      meanFinishRound: mean(all.map((t) => t.finishRound ?? this.config.canvas.maxRounds)),
      finishedRate: finished.length / Math.max(1, all.length),
      earlyFinishRate: mean(all.map((t) => (t.finished && t.operatorCount < 3 ? 1 : 0))),
      earlyFinishAmongFinished: finished.length === 0 ? null : mean(finished.map((t) => (t.operatorCount < 3 ? 1 : 0))),
      finishedStructuredCorrectRate: mean(all.map((t) => (t.finished && this.#structure(t.finalDsl) >= 1 && t.correctness === 1 ? 1 : 0))),
      zeroAdvantageGroupShare: mean(groups.map((g) => (isZeroAdvantageGroup(g) ? 1 : 0))),
      meanOperators: mean(all.map((t) => t.operatorCount)),
      meanSimTokens: mean(all.map((t) => this.simulator.tokenCost(parseDsl(t.finalDsl)))),
      loss: last.loss,
      kl: last.kl,
      entropy: last.entropy,
      clipFraction: last.clipFraction,
      rolloutSeconds,
      updateSeconds,
    };
    await appendLineDurable(this.metricsPath, JSON.stringify(metrics));
    this.completedUpdates = update + 1;
    await this.#checkpoint();
    return metrics;
  }

  #structure(dsl: string): number {
    const schedule = REWARD_SCHEDULES[this.config.schedule];
    return schedule === undefined ? 0 : cwrpoReward(dsl, 0, schedule).structure;
  }

  policy(mode: 'sample' | 'greedy' = 'greedy', seed = 1): LocalPolicy {
    return new LocalPolicy(this.params, { mode, seed });
  }

  async #checkpoint(): Promise<void> {
    const checkpoint: Checkpoint = {
      format: 'flowsteer.cwrpo.checkpoint',
      version: 2,
      config: this.config,
      completedUpdates: this.completedUpdates,
      params: paramsToJSON(this.params),
      reference: paramsToJSON(this.reference),
      adam: this.#adam.toJSON(),
      rngState: this.#rng.state,
    };
    await writeFileAtomic(Trainer.checkpointPath(this.#dir), JSON.stringify(checkpoint));
  }

  /** After a kill between the metrics append and the checkpoint, drop metrics of unfinished updates. */
  async #trimMetrics(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.metricsPath, 'utf8');
    } catch {
      return;
    }
    const kept = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .filter((line) => {
        try {
          return (JSON.parse(line) as UpdateMetrics).update < this.completedUpdates;
        } catch {
          return false;
        }
      });
    await writeFileAtomic(this.metricsPath, kept.length === 0 ? '' : `${kept.join('\n')}\n`);
  }
}

export interface PolicyEvaluation {
  readonly name: string;
  readonly meanSuccessProbability: number;
  readonly byFamily: Readonly<Record<string, number>>;
  readonly meanOperators: number;
  readonly finishedRate: number;
  readonly earlyFinishRate: number;
  readonly meanSimTokens: number;
  readonly exampleWorkflows: Readonly<Record<string, string>>;
}

/** Expected correctness of a policy on a fixed task set (mean success probability, no sampling noise). */
export async function evaluatePolicy(name: string, makePolicy: (taskIndex: number) => Policy, tasks: readonly SimTask[], trainer: Pick<Trainer, 'rolloutOptions' | 'simulator'>): Promise<PolicyEvaluation> {
  const groups = await rolloutGroups((t) => makePolicy(t), tasks, 1, { ...trainer.rolloutOptions('correctness'), concurrency: 16 });
  const trajectories = groups.flat();
  const probabilities = trajectories.map((t) => expectedCorrectness(trainer.simulator, t));
  const byFamily: Record<string, number> = {};
  const examples: Record<string, string> = {};
  for (const family of ['math', 'qa', 'code']) {
    const indices = trajectories.map((t, i) => ((t.task as SimTask).family === family ? i : -1)).filter((i) => i >= 0);
    byFamily[family] = mean(indices.map((i) => probabilities[i] as number));
    const first = indices[0];
    if (first !== undefined) examples[family] = trajectories[first]?.finalDsl ?? '';
  }
  return {
    name,
    meanSuccessProbability: mean(probabilities),
    byFamily,
    meanOperators: mean(trajectories.map((t) => t.operatorCount)),
    finishedRate: mean(trajectories.map((t) => (t.finished ? 1 : 0))),
    earlyFinishRate: mean(trajectories.map((t) => (t.finished && t.operatorCount < 3 ? 1 : 0))),
    meanSimTokens: mean(trajectories.map((t) => trainer.simulator.tokenCost(parseDsl(t.finalDsl)))),
    exampleWorkflows: examples,
  };
}

/** Expected correctness of each fixed template on the task set. */
export function evaluateTemplates(tasks: readonly SimTask[], simulator = new WorkflowSimulator()): Array<{ name: string; dsl: string; meanSuccessProbability: number; byFamily: Record<string, number> }> {
  return Object.entries(TEMPLATES)
    .map(([name, dsl]) => {
      const graph = parseDsl(dsl);
      const byFamily: Record<string, number> = {};
      for (const family of ['math', 'qa', 'code']) byFamily[family] = mean(tasks.filter((t) => t.family === family).map((t) => simulator.successProbability(t, graph)));
      return { name, dsl, meanSuccessProbability: mean(tasks.map((t) => simulator.successProbability(t, graph))), byFamily };
    })
    .sort((a, b) => b.meanSuccessProbability - a.meanSuccessProbability);
}
