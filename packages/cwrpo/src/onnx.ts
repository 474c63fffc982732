import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import type { Observation, Policy, PolicyOutput } from '@flowsteer/core';
import { writeFileAtomic } from '@flowsteer/core';
import { ACTIONS, canvasFeaturesFrom, featuresOf, promptFor, validMask } from './actions.js';
import type { MlpParams } from './network.js';
import { Rng } from './random.js';

const { onnx } = onnxProto;

function tensor(name: string, dims: number[], values: ArrayLike<number>): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(values) };
}

function transpose(values: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c] as number;
  return out;
}

/**
 * The policy network as an ONNX graph: inputs `features [N, F]` and `mask [N, A]` (1 = valid),
 * outputs `logits [N, A]` and `probs [N, A]` (softmax over valid actions).
 */
export function policyToOnnx(params: MlpParams): Uint8Array {
  const { inputSize: F, hiddenSize: H, outputSize: A } = params;
  const input = (name: string, dims: Array<number | string>): onnxProto.onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const node = (opType: string, inputs: string[], output: string, attribute: onnxProto.onnx.IAttributeProto[] = []): onnxProto.onnx.INodeProto => ({ opType, input: inputs, output: [output], name: output, attribute });
  const graph: onnxProto.onnx.IGraphProto = {
    name: 'flowsteer_policy',
    input: [input('features', ['N', F]), input('mask', ['N', A])],
    output: [input('logits', ['N', A]), input('probs', ['N', A])],
    initializer: [
      tensor('W1', [F, H], transpose(params.w1, H, F)),
      tensor('B1', [H], params.b1),
      tensor('W2', [H, A], transpose(params.w2, A, H)),
      tensor('B2', [A], params.b2),
      tensor('ONE', [1], [1]),
      tensor('NEG', [1], [-1e9]),
    ],
    node: [
      node('MatMul', ['features', 'W1'], 'h_pre0'),
      node('Add', ['h_pre0', 'B1'], 'h_pre'),
      node('Tanh', ['h_pre'], 'hidden'),
      node('MatMul', ['hidden', 'W2'], 'l0'),
      node('Add', ['l0', 'B2'], 'logits'),
      node('Sub', ['ONE', 'mask'], 'invalid'),
      node('Mul', ['invalid', 'NEG'], 'penalty'),
      node('Add', ['logits', 'penalty'], 'masked_logits'),
      node('Softmax', ['masked_logits'], 'probs', [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }]),
    ],
  };
  const model = onnx.ModelProto.create({ irVersion: 8, producerName: 'flowsteer-cwrpo', opsetImport: [{ domain: '', version: 17 }], graph });
  return onnx.ModelProto.encode(model).finish();
}

export async function exportPolicyOnnx(params: MlpParams, path: string): Promise<void> {
  await writeFileAtomic(path, policyToOnnx(params));
}

/** The trained policy served by onnxruntime-node (CPU). */
export class OnnxPolicyModel {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly featureSize: number,
    readonly actionCount: number,
  ) {}

  static async load(pathOrBytes: string | Uint8Array, featureSize: number, actionCount = ACTIONS.length): Promise<OnnxPolicyModel> {
    const bytes = typeof pathOrBytes === 'string' ? await readFile(pathOrBytes) : pathOrBytes;
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
    return new OnnxPolicyModel(session, featureSize, actionCount);
  }

  /** Probabilities for a batch of feature rows and masks. */
  async probabilities(features: readonly ArrayLike<number>[], masks: readonly ArrayLike<number>[]): Promise<Float32Array[]> {
    const n = features.length;
    const x = new Float32Array(n * this.featureSize);
    const m = new Float32Array(n * this.actionCount);
    features.forEach((row, i) => x.set(Array.from(row), i * this.featureSize));
    masks.forEach((row, i) => m.set(Array.from(row), i * this.actionCount));
    const output = await this.session.run({ features: new ort.Tensor('float32', x, [n, this.featureSize]), mask: new ort.Tensor('float32', m, [n, this.actionCount]) });
    const probs = output['probs']?.data as Float32Array;
    return Array.from({ length: n }, (_, i) => probs.slice(i * this.actionCount, (i + 1) * this.actionCount));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** A Policy backed by the ONNX model: the embedded default Flow-Director. */
export class OnnxPolicy implements Policy {
  readonly id = 'onnx-local';
  readonly #model: OnnxPolicyModel;
  readonly #mode: 'greedy' | 'sample';
  readonly #rng: Rng;

  constructor(model: OnnxPolicyModel, options: { mode?: 'greedy' | 'sample'; seed?: number } = {}) {
    this.#model = model;
    this.#mode = options.mode ?? 'greedy';
    this.#rng = new Rng(options.seed ?? 1);
  }

  async act(observation: Observation): Promise<PolicyOutput> {
    if (observation.awaitingPrompt) {
      const pending = observation.state?.['pendingOperator'];
      return { text: promptFor(typeof pending === 'string' ? pending : 'current') };
    }
    const state = canvasFeaturesFrom(observation.state);
    const mask = validMask(state);
    const [probs] = await this.#model.probabilities([featuresOf(state)], [mask]);
    if (probs === undefined) throw new Error('the ONNX policy returned no probabilities');
    let action = 0;
    if (this.#mode === 'greedy') {
      for (let i = 1; i < probs.length; i++) if ((probs[i] as number) > (probs[action] as number)) action = i;
    } else {
      action = this.#rng.categorical(probs);
    }
    return { text: (ACTIONS[action] as (typeof ACTIONS)[number]).xml, tokenIds: [action], logprobs: [Math.log(probs[action] as number)] };
  }
}
