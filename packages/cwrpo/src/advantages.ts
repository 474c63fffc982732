/**
 * Group-relative advantages and the clipped policy objective (with KL to a reference policy and
 * an entropy bonus), as used for one decision of a policy.
 */

/** (r − mean) / max(population std, ε); a single-element group gets 0. */
export function groupAdvantages(rewards: readonly number[], epsilon = 0.01): number[] {
  if (rewards.length <= 1) return rewards.map(() => 0);
  const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
  const variance = rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / rewards.length;
  const scale = Math.max(Math.sqrt(variance), epsilon);
  return rewards.map((r) => (r - mean) / scale);
}

export interface ObjectiveConfig {
  readonly clipRange: number;
  readonly klCoef: number;
  readonly entropyCoef: number;
}

export const DEFAULT_OBJECTIVE: ObjectiveConfig = { clipRange: 0.2, klCoef: 0.005, entropyCoef: 0.005 };

export interface DecisionTerms {
  /** log π_θ(a) under the current parameters. */
  readonly logProb: number;
  /** log π_old(a) recorded when the action was sampled. */
  readonly oldLogProb: number;
  /** log π_ref(a) under the frozen reference policy. */
  readonly refLogProb: number;
  readonly advantage: number;
  /** Entropy of π_θ over the valid actions. */
  readonly entropy: number;
}

export interface DecisionLoss {
  readonly loss: number;
  /** ∂loss/∂ log π_θ(a). */
  readonly dLogProb: number;
  /** ∂loss/∂ H (the entropy term's weight, negative). */
  readonly dEntropy: number;
  readonly clipped: boolean;
  readonly kl: number;
}

/**
 * Per-decision loss: −min(ρA, clip(ρ, 1±ε)A) + β·k3 − c·H(π_θ), with ρ = π_θ/π_old and the k3
 * estimator k3 = r − log r − 1, r = π_ref/π_θ. With the action sampled from π_θ, k3 is an unbiased
 * estimate of KL(π_θ‖π_ref) (the reverse KL, as in GRPO).
 */
export function decisionLoss(terms: DecisionTerms, config: ObjectiveConfig = DEFAULT_OBJECTIVE): DecisionLoss {
  const ratio = Math.exp(terms.logProb - terms.oldLogProb);
  const unclipped = ratio * terms.advantage;
  const clippedRatio = Math.min(Math.max(ratio, 1 - config.clipRange), 1 + config.clipRange);
  const clippedValue = clippedRatio * terms.advantage;
  const surrogate = Math.min(unclipped, clippedValue);
  const clipped = clippedValue < unclipped;
  const r = Math.exp(terms.refLogProb - terms.logProb);
  const kl = r - Math.log(r) - 1;
  const loss = -surrogate + config.klCoef * kl - config.entropyCoef * terms.entropy;
  // d(−ρA)/dlogπ = −ρA when the unclipped branch is active; d(r − log r − 1)/dlogπ = 1 − r.
  const dLogProb = (clipped ? 0 : -unclipped) + config.klCoef * (1 - r);
  return { loss, dLogProb, dEntropy: -config.entropyCoef, clipped, kl };
}
