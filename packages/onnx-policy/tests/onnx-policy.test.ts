import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTIONS, DEFAULT_TRAIN_CONFIG, FEATURE_SIZE, LocalPolicy, Rng, Trainer, createMlp, exportPolicyOnnx, canvasFeaturesFrom, forward, maskedSoftmax, policyToOnnx, promptFor, rollout, validMask } from '@flowsteer/cwrpo';
import { isPluginPackageName } from '@flowsteer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxPolicy, OnnxPolicyModel } from '../src/index.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'onnx-policy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function randomBatch(seed: number, count: number): { rows: Float64Array[]; masks: Float64Array[] } {
  const rng = new Rng(seed);
  const rows = Array.from({ length: count }, () => Float64Array.from({ length: FEATURE_SIZE }, () => rng.next() * 2 - 1));
  const masks = rows.map(() => Float64Array.from({ length: ACTIONS.length }, (_, i) => (i === 0 || rng.next() < 0.6 ? 1 : 0)));
  return { rows, masks };
}

describe('OnnxPolicyModel', () => {
  it('the onnxruntime session and the TypeScript forward pass agree', async () => {
    const params = createMlp(FEATURE_SIZE, 16, ACTIONS.length, new Rng(4));
    const model = await OnnxPolicyModel.load(policyToOnnx(params), FEATURE_SIZE);
    const { rows, masks } = randomBatch(8, 10);
    const onnxProbs = await model.probabilities(rows, masks);
    rows.forEach((row, i) => {
      const expected = maskedSoftmax(forward(params, row).logits, masks[i] as Float64Array).probs;
      expected.forEach((p, j) => expect(onnxProbs[i]?.[j] as number).toBeCloseTo(p, 5));
      // Invalid actions get no probability at all.
      masks[i]?.forEach((valid, j) => {
        if (valid === 0) expect(onnxProbs[i]?.[j]).toBe(0);
      });
    });
    await model.release();
  });

  it('loads the model file that exportPolicyOnnx writes', async () => {
    const params = createMlp(FEATURE_SIZE, 8, ACTIONS.length, new Rng(11));
    const path = join(dir, 'policy.onnx');
    await exportPolicyOnnx(params, path);
    const fromFile = await OnnxPolicyModel.load(path, FEATURE_SIZE);
    const fromBytes = await OnnxPolicyModel.load(policyToOnnx(params), FEATURE_SIZE);
    const { rows, masks } = randomBatch(3, 4);
    expect(await fromFile.probabilities(rows, masks)).toEqual(await fromBytes.probabilities(rows, masks));
    expect(fromFile.actionCount).toBe(ACTIONS.length);
    await Promise.all([fromFile.release(), fromBytes.release()]);
  });

  it('rejects bytes that are not an ONNX model', async () => {
    await expect(OnnxPolicyModel.load(new TextEncoder().encode('not a model'), FEATURE_SIZE)).rejects.toThrow();
  });
});

describe('OnnxPolicy', () => {
  it('drives the real canvas exactly as the TypeScript policy with the same weights does (greedy)', async () => {
    const local = LocalPolicy.create(5, 16).withMode('greedy');
    const model = await OnnxPolicyModel.load(policyToOnnx(local.params), FEATURE_SIZE);
    const { trainer } = await Trainer.open(join(dir, 'run'), { ...DEFAULT_TRAIN_CONFIG, groups: 2, groupSize: 2, updates: 1, seed: 3 });
    for (const task of trainer.simulator.taskSet(3, 7)) {
      const expected = await rollout(local, task, trainer.rolloutOptions(), 'local');
      const actual = await rollout(new OnnxPolicy(model), task, trainer.rolloutOptions(), 'onnx');
      expect(actual.turns.map((t) => t.policyText)).toEqual(expected.turns.map((t) => t.policyText));
      expect(actual.finalDsl).toBe(expected.finalDsl);
      const actions = actual.turns.filter((t) => t.kind === 'action');
      expect(actions.length).toBeGreaterThan(0);
      actions.forEach((turn, i) => {
        const reference = expected.turns.filter((t) => t.kind === 'action')[i];
        expect(turn.tokenIds).toEqual(reference?.tokenIds);
        expect(turn.logprobs?.[0] as number).toBeCloseTo(reference?.logprobs?.[0] as number, 4);
      });
    }
    await model.release();
  });

  it('answers a prompt turn with the fixed operator prompt, and samples only valid actions', async () => {
    const model = await OnnxPolicyModel.load(policyToOnnx(createMlp(FEATURE_SIZE, 8, ACTIONS.length, new Rng(2))), FEATURE_SIZE);
    const prompt = await new OnnxPolicy(model).act({ turn: 1, text: '', messages: [], awaitingPrompt: true, state: { pendingOperator: 'Programmer' } });
    expect(prompt).toEqual({ text: promptFor('Programmer') });
    const sampler = new OnnxPolicy(model, { mode: 'sample', seed: 9 });
    const mask = validMask(canvasFeaturesFrom({}));
    const seen = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const output = await sampler.act({ turn: 0, text: '', messages: [], awaitingPrompt: false, state: {} });
      const action = output.tokenIds?.[0] as number;
      expect(mask[action], `action ${action} is valid on an empty canvas`).toBe(1);
      expect(output.text).toBe(ACTIONS[action]?.xml);
      expect(output.logprobs?.[0] as number).toBeLessThanOrEqual(0);
      seen.add(action);
    }
    expect(seen.size).toBeGreaterThan(1);
    await model.release();
  });
});

describe('the package', () => {
  it('is a library the app imports, named so that plugin discovery does not scan it', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; flowsteer?: unknown };
    expect(pkg.flowsteer).toBeUndefined();
    expect(isPluginPackageName(pkg.name)).toBe(false);
    // The name this package would have had as a policy plugin is one discovery scans.
    expect(isPluginPackageName('@flowsteer/policy-onnx')).toBe(true);
  });
});
