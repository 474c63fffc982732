import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, LocalPolicy, MissingPromptError, Trainer, exportTurnSamples, rollout, turnSamplesToJsonl } from '../src/index.js';

let dir = '';
afterEach(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

async function oneTrajectory(keepText = true) {
  dir = await mkdtemp(join(tmpdir(), 'cwrpo-export-'));
  const { trainer } = await Trainer.open(dir, DEFAULT_TRAIN_CONFIG);
  const task = trainer.simulator.taskSet(1, 9)[0]!;
  const trajectory = await rollout(LocalPolicy.create(2), task, { ...trainer.rolloutOptions(), keepText });
  trajectory.advantage = 0.5;
  return trajectory;
}

describe('per-turn trajectory export', () => {
  it('writes one sample per policy turn with the exact prompt, completion, reward and advantage', async () => {
    const trajectory = await oneTrajectory();
    const samples = exportTurnSamples(trajectory, { tokenIds: 'mlp-action' });
    expect(samples).toHaveLength(trajectory.turns.length);
    samples.forEach((sample, i) => {
      const turn = trajectory.turns[i]!;
      expect(sample).toMatchObject({ format: 'flowsteer.turn-sample', version: 1, episode_id: trajectory.id, turn_index: i, round: turn.round, prompt: turn.observation, completion: turn.policyText, feedback: turn.feedback, reward: trajectory.reward.total, advantage: 0.5, done: i === samples.length - 1 });
      expect(sample.prompt_messages).toEqual([{ role: 'user', content: turn.observation }]);
    });
    // Distinct prompts: every turn's own observation, not the first one repeated.
    expect(new Set(samples.map((s) => s.prompt)).size).toBeGreaterThan(samples.length / 2);
    // The MLP's action indices are not token ids.
    const action = samples.find((s) => s.kind === 'action')!;
    expect(action.mlp_action_index).toBeGreaterThanOrEqual(0);
    expect(action.completion_token_ids).toBeUndefined();
    expect(action.loss_mask).toBeUndefined();
  });

  it('builds token ids, logprobs and the loss mask (canvas 0, policy 1) for LLM completions', async () => {
    const trajectory = await oneTrajectory();
    const llm = { ...trajectory, turns: trajectory.turns.map((t, i) => ({ ...t, tokenIds: [100 + i, 200 + i], logprobs: [-0.5, -0.25] })) };
    const samples = exportTurnSamples(llm, { tokenIds: 'llm', tokenizePrompt: (text) => [text.length % 97, 1, 2] });
    for (const [i, sample] of samples.entries()) {
      expect(sample.completion_token_ids).toEqual([100 + i, 200 + i]);
      expect(sample.completion_logprobs).toEqual([-0.5, -0.25]);
      expect(sample.prompt_token_ids).toHaveLength(3);
      expect(sample.loss_mask).toEqual([0, 0, 0, 1, 1]);
      expect(sample.mlp_action_index).toBeUndefined();
    }
    const lines = turnSamplesToJsonl([llm, llm], { tokenIds: 'llm' }).trimEnd().split('\n');
    expect(lines).toHaveLength(samples.length * 2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ episode_id: trajectory.id, turn_index: 0 });
  });

  it('refuses trajectories rolled out without their prompts', async () => {
    const trajectory = await oneTrajectory(false);
    expect(() => exportTurnSamples(trajectory, { tokenIds: 'mlp-action' })).toThrow(MissingPromptError);
  });
});
