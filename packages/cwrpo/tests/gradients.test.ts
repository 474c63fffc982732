import { describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import { ACTIONS, FEATURE_SIZE, Rng, batchLossAndGrad, cloneParams, createMlp, decisionLoss, forward, maskedSoftmax, policyToOnnx, type MlpParams } from '../src/index.js';

function randomDecisions(params: MlpParams, count: number, seed: number) {
  const rng = new Rng(seed);
  const reference = createMlp(params.inputSize, params.hiddenSize, params.outputSize, new Rng(seed + 1));
  return Array.from({ length: count }, () => {
    const features = Float64Array.from({ length: params.inputSize }, () => rng.next() * 2 - 1);
    const mask = Float64Array.from({ length: params.outputSize }, () => (rng.next() < 0.7 ? 1 : 0));
    mask[0] = 1;
    const valid = [...mask.keys()].filter((i) => mask[i] === 1);
    const action = valid[rng.int(valid.length)] as number;
    const current = maskedSoftmax(forward(params, features).logits, mask).logProbs[action] as number;
    return {
      features,
      mask,
      action,
      // Old log-probs near the current ones exercise both the clipped and unclipped branches.
      oldLogProb: current + (rng.next() - 0.5) * 0.6,
      refLogProb: maskedSoftmax(forward(reference, features).logits, mask).logProbs[action] as number,
      advantage: rng.normal(),
    };
  });
}

describe('policy-gradient math', () => {
  it('decisionLoss derivative matches a finite difference in log π', () => {
    for (const advantage of [-1.3, 0.7]) {
      for (const logProb of [-1.2, -0.9, -0.4]) {
        const terms = { logProb, oldLogProb: -0.9, refLogProb: -1.0, advantage, entropy: 1.1 };
        const h = 1e-6;
        const numeric = (decisionLoss({ ...terms, logProb: logProb + h }).loss - decisionLoss({ ...terms, logProb: logProb - h }).loss) / (2 * h);
        expect(decisionLoss(terms).dLogProb).toBeCloseTo(numeric, 6);
      }
    }
  });

  it('backprop through the network matches finite differences for every parameter kind', () => {
    const params = createMlp(7, 5, 6, new Rng(11));
    const decisions = randomDecisions(params, 12, 3);
    const objective = { clipRange: 0.2, klCoef: 0.05, entropyCoef: 0.02 };
    const { grads } = batchLossAndGrad(params, decisions, objective);
    const rng = new Rng(99);
    let checked = 0;
    for (const key of ['w1', 'b1', 'w2', 'b2'] as const) {
      for (let k = 0; k < 6; k++) {
        const index = rng.int(params[key].length);
        const h = 1e-6;
        const plus = cloneParams(params);
        plus[key][index] = (plus[key][index] as number) + h;
        const minus = cloneParams(params);
        minus[key][index] = (minus[key][index] as number) - h;
        const numeric = (batchLossAndGrad(plus, decisions, objective).loss - batchLossAndGrad(minus, decisions, objective).loss) / (2 * h);
        expect(grads[key][index] as number, `${key}[${index}]`).toBeCloseTo(numeric, 6);
        checked++;
      }
    }
    expect(checked).toBe(24);
  });

  it('masked softmax gives zero probability to invalid actions', () => {
    const { probs, logProbs, entropy } = maskedSoftmax([1, 2, 3, 4], [1, 0, 1, 0]);
    expect(probs[1]).toBe(0);
    expect(logProbs[3]).toBe(-Infinity);
    expect((probs[0] as number) + (probs[2] as number)).toBeCloseTo(1, 12);
    expect(entropy).toBeGreaterThan(0);
    expect(() => maskedSoftmax([1, 2], [0, 0])).toThrow('no valid action');
  });
});

describe('ONNX export', () => {
  it('writes the network as an opset-17 graph with features/mask in and logits/probs out, weights transposed', () => {
    const params = createMlp(FEATURE_SIZE, 16, ACTIONS.length, new Rng(4));
    const model = onnxProto.onnx.ModelProto.decode(policyToOnnx(params));
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    const graph = model.graph;
    const dims = (v: onnxProto.onnx.IValueInfoProto) => v.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue));
    expect(graph?.input?.map((v) => [v.name, dims(v)])).toEqual([['features', ['N', FEATURE_SIZE]], ['mask', ['N', ACTIONS.length]]]);
    expect(graph?.output?.map((v) => [v.name, dims(v)])).toEqual([['logits', ['N', ACTIONS.length]], ['probs', ['N', ACTIONS.length]]]);
    expect(graph?.node?.map((n) => n.opType)).toEqual(['MatMul', 'Add', 'Tanh', 'MatMul', 'Add', 'Sub', 'Mul', 'Add', 'Softmax']);
    const w1 = graph?.initializer?.find((t) => t.name === 'W1');
    expect(w1?.dims?.map(Number)).toEqual([FEATURE_SIZE, 16]);
    // ONNX's W1 is [F, H]: element (f, h) is the network's w1[h * F + f].
    expect(w1?.floatData?.[3 * 16 + 5]).toBeCloseTo(params.w1[5 * FEATURE_SIZE + 3] as number, 6);
  });
});
