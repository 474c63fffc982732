import { describe, expect, it } from 'vitest';
import { AdamW, DEFAULT_WEIGHT_DECAY, Rng, createMlp, zeroGrads } from '../src/index.js';

describe('AdamW', () => {
  it('decays every parameter by lr · decay per step, decoupled from the gradient (zero gradient: pure decay)', () => {
    const params = createMlp(4, 3, 2, new Rng(1));
    const before = [...params.w1];
    const optimizer = new AdamW(params, 0.1);
    expect(optimizer.weightDecay).toBe(DEFAULT_WEIGHT_DECAY);
    optimizer.step(params, zeroGrads(params));
    params.w1.forEach((w, i) => expect(w).toBeCloseTo((before[i] as number) * (1 - 0.1 * 0.01), 15));
  });

  it('with decay 0 is plain Adam: the first step moves each parameter by about lr against the gradient sign', () => {
    const params = createMlp(2, 2, 2, new Rng(2));
    const before = [...params.b2];
    const grads = zeroGrads(params);
    grads.b2.set([0.3, -0.2]);
    new AdamW(params, 0.05, 0).step(params, grads);
    expect((params.b2[0] as number) - (before[0] as number)).toBeCloseTo(-0.05, 6);
    expect((params.b2[1] as number) - (before[1] as number)).toBeCloseTo(0.05, 6);
    // Untouched (zero-gradient) parameters do not move without decay.
    expect([...params.b1]).toEqual([0, 0]);
  });
});
