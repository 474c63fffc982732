/** A small seedable PRNG (mulberry32): reproducible sampling for rollouts, the simulator and init. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  get state(): number {
    return this.#state;
  }

  static fromState(state: number): Rng {
    const rng = new Rng(0);
    rng.#state = state >>> 0;
    return rng;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Samples an index from probabilities that sum to 1. */
  categorical(probs: ArrayLike<number>): number {
    let u = this.next();
    let last = 0;
    for (let i = 0; i < probs.length; i++) {
      const p = probs[i] as number;
      if (p <= 0) continue;
      last = i;
      u -= p;
      if (u < 0) return i;
    }
    return last;
  }

  /** A derived, independent stream (for per-rollout randomness). */
  fork(salt: number): Rng {
    return new Rng((Math.imul(this.#state ^ salt, 2654435761) + salt) >>> 0);
  }
}
