import type { Rng } from './random.js';

/** A one-hidden-layer MLP: logits = W2 · tanh(W1 · x + b1) + b2. Weights are row-major. */
export interface MlpParams {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  readonly w1: Float64Array;
  readonly b1: Float64Array;
  readonly w2: Float64Array;
  readonly b2: Float64Array;
}

export type MlpGrads = Pick<MlpParams, 'w1' | 'b1' | 'w2' | 'b2'>;

export function createMlp(inputSize: number, hiddenSize: number, outputSize: number, rng: Rng): MlpParams {
  const w1 = new Float64Array(hiddenSize * inputSize).map(() => rng.normal() * Math.sqrt(1 / inputSize));
  // Small output weights start the policy near uniform over valid actions.
  const w2 = new Float64Array(outputSize * hiddenSize).map(() => rng.normal() * 0.01);
  return { inputSize, hiddenSize, outputSize, w1, b1: new Float64Array(hiddenSize), w2, b2: new Float64Array(outputSize) };
}

export function cloneParams(params: MlpParams): MlpParams {
  return { ...params, w1: params.w1.slice(), b1: params.b1.slice(), w2: params.w2.slice(), b2: params.b2.slice() };
}

export function zeroGrads(params: MlpParams): MlpGrads {
  return { w1: new Float64Array(params.w1.length), b1: new Float64Array(params.b1.length), w2: new Float64Array(params.w2.length), b2: new Float64Array(params.b2.length) };
}

export interface ForwardResult {
  readonly hidden: Float64Array;
  readonly logits: Float64Array;
}

export function forward(params: MlpParams, x: ArrayLike<number>): ForwardResult {
  const { inputSize, hiddenSize, outputSize, w1, b1, w2, b2 } = params;
  const hidden = new Float64Array(hiddenSize);
  for (let h = 0; h < hiddenSize; h++) {
    let sum = b1[h] as number;
    const row = h * inputSize;
    for (let i = 0; i < inputSize; i++) sum += (w1[row + i] as number) * (x[i] as number);
    hidden[h] = Math.tanh(sum);
  }
  const logits = new Float64Array(outputSize);
  for (let o = 0; o < outputSize; o++) {
    let sum = b2[o] as number;
    const row = o * hiddenSize;
    for (let h = 0; h < hiddenSize; h++) sum += (w2[row + h] as number) * (hidden[h] as number);
    logits[o] = sum;
  }
  return { hidden, logits };
}

export interface MaskedDistribution {
  readonly probs: Float64Array;
  readonly logProbs: Float64Array;
  readonly entropy: number;
}

/** Softmax over the entries where mask is 1; masked entries get probability 0 and log-prob −∞. */
export function maskedSoftmax(logits: ArrayLike<number>, mask: ArrayLike<number>): MaskedDistribution {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if ((mask[i] as number) > 0) max = Math.max(max, logits[i] as number);
  if (max === -Infinity) throw new Error('no valid action: the mask is all zeros');
  let total = 0;
  for (let i = 0; i < logits.length; i++) if ((mask[i] as number) > 0) total += Math.exp((logits[i] as number) - max);
  const logTotal = Math.log(total) + max;
  const probs = new Float64Array(logits.length);
  const logProbs = new Float64Array(logits.length).fill(-Infinity);
  let entropy = 0;
  for (let i = 0; i < logits.length; i++) {
    if ((mask[i] as number) <= 0) continue;
    logProbs[i] = (logits[i] as number) - logTotal;
    probs[i] = Math.exp(logProbs[i] as number);
    entropy -= (probs[i] as number) * (logProbs[i] as number);
  }
  return { probs, logProbs, entropy };
}

/** Accumulates ∂L/∂params into `grads` given ∂L/∂logits for one input. */
export function backward(params: MlpParams, x: ArrayLike<number>, hidden: Float64Array, dLogits: ArrayLike<number>, grads: MlpGrads): void {
  const { inputSize, hiddenSize, outputSize, w2 } = params;
  const dHidden = new Float64Array(hiddenSize);
  for (let o = 0; o < outputSize; o++) {
    const g = dLogits[o] as number;
    if (g === 0) continue;
    grads.b2[o] = (grads.b2[o] as number) + g;
    const row = o * hiddenSize;
    for (let h = 0; h < hiddenSize; h++) {
      grads.w2[row + h] = (grads.w2[row + h] as number) + g * (hidden[h] as number);
      dHidden[h] = (dHidden[h] as number) + g * (w2[row + h] as number);
    }
  }
  for (let h = 0; h < hiddenSize; h++) {
    const hv = hidden[h] as number;
    const dPre = (dHidden[h] as number) * (1 - hv * hv);
    if (dPre === 0) continue;
    grads.b1[h] = (grads.b1[h] as number) + dPre;
    const row = h * inputSize;
    for (let i = 0; i < inputSize; i++) grads.w1[row + i] = (grads.w1[row + i] as number) + dPre * (x[i] as number);
  }
}

/** AdamW defaults: the paper's weight decay of 0.01. */
export const DEFAULT_WEIGHT_DECAY = 0.01;

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay — every parameter shrinks by
 * lr · decay each step, outside the adaptive gradient step — and global gradient-norm clipping.
 */
export class AdamW {
  readonly #m: MlpGrads;
  readonly #v: MlpGrads;
  #step = 0;

  constructor(
    params: MlpParams,
    readonly learningRate: number,
    readonly weightDecay = DEFAULT_WEIGHT_DECAY,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
    readonly maxGradNorm = 1,
  ) {
    this.#m = zeroGrads(params);
    this.#v = zeroGrads(params);
  }

  get stepCount(): number {
    return this.#step;
  }

  /** Applies one update; returns the gradient norm before clipping. */
  step(params: MlpParams, grads: MlpGrads): number {
    const keys = ['w1', 'b1', 'w2', 'b2'] as const;
    let norm = 0;
    for (const key of keys) for (const g of grads[key]) norm += g * g;
    norm = Math.sqrt(norm);
    const scale = norm > this.maxGradNorm ? this.maxGradNorm / norm : 1;
    this.#step++;
    const c1 = 1 - this.beta1 ** this.#step;
    const c2 = 1 - this.beta2 ** this.#step;
    for (const key of keys) {
      const p = params[key];
      const g = grads[key];
      const m = this.#m[key];
      const v = this.#v[key];
      for (let i = 0; i < p.length; i++) {
        const gi = (g[i] as number) * scale;
        m[i] = this.beta1 * (m[i] as number) + (1 - this.beta1) * gi;
        v[i] = this.beta2 * (v[i] as number) + (1 - this.beta2) * gi * gi;
        const decayed = (p[i] as number) * (1 - this.learningRate * this.weightDecay);
        p[i] = decayed - (this.learningRate * ((m[i] as number) / c1)) / (Math.sqrt((v[i] as number) / c2) + this.epsilon);
      }
    }
    return norm;
  }

  toJSON(): { step: number; m: Record<string, number[]>; v: Record<string, number[]> } {
    const dump = (g: MlpGrads): Record<string, number[]> => ({ w1: [...g.w1], b1: [...g.b1], w2: [...g.w2], b2: [...g.b2] });
    return { step: this.#step, m: dump(this.#m), v: dump(this.#v) };
  }

  load(state: { step: number; m: Record<string, number[]>; v: Record<string, number[]> }): void {
    this.#step = state.step;
    for (const key of ['w1', 'b1', 'w2', 'b2'] as const) {
      this.#m[key].set(state.m[key] ?? []);
      this.#v[key].set(state.v[key] ?? []);
    }
  }
}

export function paramsToJSON(params: MlpParams): { inputSize: number; hiddenSize: number; outputSize: number; w1: number[]; b1: number[]; w2: number[]; b2: number[] } {
  return { inputSize: params.inputSize, hiddenSize: params.hiddenSize, outputSize: params.outputSize, w1: [...params.w1], b1: [...params.b1], w2: [...params.w2], b2: [...params.b2] };
}

export function paramsFromJSON(json: ReturnType<typeof paramsToJSON>): MlpParams {
  return { inputSize: json.inputSize, hiddenSize: json.hiddenSize, outputSize: json.outputSize, w1: Float64Array.from(json.w1), b1: Float64Array.from(json.b1), w2: Float64Array.from(json.w2), b2: Float64Array.from(json.b2) };
}
