import { afterEach, describe, expect, it } from 'vitest';
import type { CanvasEnvironment, Observation, Scorer, WorkflowExecutor } from '@flowsteer/core';
import { EnvServer, SlotScorer, type EnvServerOptions } from '../src/index.js';
import { FixedAnswerExecutor, client, expectSchema, type Client } from './support.js';

let server: EnvServer | undefined;
afterEach(async () => {
  await server?.close(1_000);
  server = undefined;
});

async function start(options: Partial<EnvServerOptions>): Promise<Client> {
  server = new EnvServer(options);
  return client(await server.listen(0));
}

/** A canvas that is not the built-in one: collects operator names, runs the executor on finish. */
function listCanvas(executor: WorkflowExecutor | undefined, endless = false): CanvasEnvironment {
  let operators: string[] = [];
  let round = 0;
  let done = false;
  let output: string | null = null;
  const observation = (): Observation => ({ turn: round + 1, text: `round ${round}`, messages: [{ role: 'user', content: `round ${round}` }], awaitingPrompt: false });
  return {
    get done() {
      return done;
    },
    reset() {
      operators = [];
      round = 0;
      return { observation: observation() };
    },
    async step(text, signal) {
      round++;
      const add = /<operator>(\w+)<\/operator>/.exec(text);
      if (add !== null) operators.push(add[1] as string);
      else if (!endless && text.includes('<action>finish</action>')) {
        const run = await executor?.execute({ task: { problem: 'p', type: 'math' }, dsl: operators.join(' -> '), graph: {}, prompts: {}, turn: round }, signal ?? new AbortController().signal);
        output = typeof run?.output === 'string' ? run.output : ((run?.output['output'] as string | undefined) ?? null);
        done = true;
      }
      return { observation: observation(), feedback: `list: ${operators.join(', ')}`, done, info: { listed: operators.length } };
    },
    observation,
    snapshot: () => ({ operators, round }),
    restore: () => undefined,
    result: () => ({ output, workflow: operators.join(' -> '), rounds: round }),
  };
}

const MATH = { problem: 'What is 6 times 7?', type: 'math', answer: '42' };

async function play(api: Client, actions: readonly string[]): Promise<Record<string, unknown>> {
  const opened = await api.post('/v1/reset', { task: MATH });
  let last: Record<string, unknown> = {};
  for (const action of actions) {
    last = (await api.post('/v1/step', { session: opened.json['session'], action })).json;
    expectSchema('StepResponse', last);
  }
  return last;
}

describe('injected slots', () => {
  it('plays another canvas through the canvas contract and scores its result with a named scorer', async () => {
    const scored: string[] = [];
    const tenth: Scorer = {
      metric: 'tenth',
      async score(input) {
        scored.push(`${input.prediction}|${input.reference}`);
        return { value: 0.1, correct: false, metric: 'tenth' };
      },
    };
    const api = await start({ executor: () => new FixedAnswerExecutor('from the executor'), createCanvas: ({ executor }) => listCanvas(executor), scorer: new SlotScorer(tenth) });
    const last = await play(api, ['<action>add</action><operator>Plan</operator>', '<action>add</action><operator>Format</operator>', '<action>finish</action>']);
    expect(last).toMatchObject({ done: true, feedback: 'list: Plan, Format', info: { round: 3, finished: true, forcedFinish: false, listed: 2, dsl: 'Plan -> Format' } });
    expect(last['breakdown']).toMatchObject({ dsl: 'Plan -> Format', prediction: 'from the executor', correctness: 0.1, rounds: 3, metric: 'math', scoreDetail: 'scored by the tenth scorer' });
    expect(scored).toEqual(['from the executor|42']);
    expect(server?.sessionCount).toBe(0);
  });

  it('forces the end of another canvas at the round limit, unscored', async () => {
    const api = await start({ canvas: { maxRounds: 3 }, createCanvas: ({ executor }) => listCanvas(executor, true) });
    const last = await play(api, ['a', 'b', 'c']);
    expect(last).toMatchObject({ done: true, info: { forcedFinish: true, finished: false } });
    expect(last['breakdown']).toMatchObject({ forcedFinish: true, finished: false, correctness: 0, prediction: '' });
    expect((last['breakdown'] as { forcedFinishPenalty: number }).forcedFinishPenalty).toBeGreaterThan(0);
  });
});
