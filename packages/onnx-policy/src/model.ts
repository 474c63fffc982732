import { readFile } from 'node:fs/promises';
import { ACTIONS } from '@flowsteer/cwrpo';
import * as ort from 'onnxruntime-node';

/** A policy network exported by `@flowsteer/cwrpo` (`policyToOnnx`), run by onnxruntime-node on the CPU. */
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
