import onnxProto from 'onnx-proto';
import { writeFileAtomic } from '@flowsteer/core';
import type { MlpParams } from './network.js';

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

/** Writes the policy as an ONNX model file; `@flowsteer/onnx-policy` loads and runs it. */
export async function exportPolicyOnnx(params: MlpParams, path: string): Promise<void> {
  await writeFileAtomic(path, policyToOnnx(params));
}
