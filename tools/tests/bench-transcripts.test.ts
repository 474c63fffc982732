import { CanvasEnv } from '@flowsteer/canvas';
import { describe, expect, it } from 'vitest';
import { TWENTY_TURNS } from '../bench/transcripts.mjs';

describe('benchmark transcripts', () => {
  it('the 20-turn transcript is 20 accepted-or-rejected edits that end in a finished workflow', async () => {
    expect(TWENTY_TURNS).toHaveLength(20);
    const env = new CanvasEnv();
    env.reset({ problem: 'What is 6*7?', type: 'math' });
    const accepted: boolean[] = [];
    for (const text of TWENTY_TURNS) accepted.push((await env.step(text)).info.accepted);
    expect(env.done).toBe(true);
    expect(accepted.filter((a) => !a)).toHaveLength(1);
    expect(env.graph.toDsl()).toBe('Plan -> Programmer -> [Custom, AnswerGenerate] -> ScEnsemble -> Verify ? Revise : done -> Format');
  });
});
