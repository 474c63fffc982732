/**
 * Byte-for-byte behaviour lock for the step pipeline: replays seeded generated corpora (the replay
 * benchmark's generator) under several canvas settings and compares, per transcript, a hash of
 * every feedback text, observation (text, messages, state), step info, emitted event and the final
 * state against tests/fixtures/replay-golden.json, recorded from the build before the speed work.
 * Regenerate only for an intended behaviour change: UPDATE_REPLAY_GOLDEN=1 npx vitest run tests/replay-golden.test.ts
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EventInput } from '@flowsteer/core';
import { describe, expect, it } from 'vitest';
import { CanvasEnv, REFERENCE_QUIRKS, type CanvasExecutionRequest, type CanvasExecutor, type CanvasOptions, type CanvasTask, type ExecutionValue } from '../src/index.js';

interface Transcript {
  readonly task: CanvasTask;
  readonly turns: readonly string[];
}
interface CorpusModule {
  generateCorpus(count?: number, seed?: number): Transcript[];
}

// A computed specifier: the generator is plain JS shared with the benchmark, typed here.
const corpusUrl: string = new URL('../../../tools/bench/canvas-corpus.mjs', import.meta.url).href;
const { generateCorpus } = (await import(corpusUrl)) as CorpusModule;
const goldenPath = fileURLToPath(new URL('./fixtures/replay-golden.json', import.meta.url));

/** Outputs that walk the advisor, verification, error and memory paths; chosen from the DSL and turn. */
const OUTPUTS: readonly (ExecutionValue | Error)[] = [
  '42',
  'Error: NameError: name x is not defined',
  '<is_correct>false</is_correct><confidence>high</confidence><answer>41</answer>\n[Step 4] Error Analysis: the sum is wrong: 6*7 is 42',
  { output: 'TEST_FAILED\nAssertionError: expected 5' },
  { is_correct: true, confidence: 'high', answer: '42' },
  'Step 1. compute the product\nStep 2. check it\n1. done',
  '',
  'test_passed',
  'confidence: 0.95',
  new Error('sandbox crashed'),
  { is_correct: 'false', error_analysis: 'off by one' },
  'Traceback: TypeError: unsupported operand; timeout after 5s',
  'The answer is correct',
  'a',
];

class ScriptedExecutor implements CanvasExecutor {
  async execute(request: CanvasExecutionRequest): Promise<{ success: boolean; output: ExecutionValue }> {
    let code = request.turn;
    for (let i = 0; i < request.dsl.length; i++) code = (code * 31 + request.dsl.charCodeAt(i)) >>> 0;
    const output = OUTPUTS[code % OUTPUTS.length] as ExecutionValue | Error;
    if (output instanceof Error) throw output;
    return { success: code % 5 !== 0, output };
  }
}

interface Setting {
  readonly name: string;
  readonly seed: number;
  readonly count: number;
  readonly options: () => CanvasOptions;
}

const SETTINGS: readonly Setting[] = [
  { name: 'bench: execution off', seed: 13, count: 200, options: () => ({ executeEachStep: false }) },
  { name: 'execution on, no executor', seed: 7, count: 80, options: () => ({}) },
  { name: 'scripted executor', seed: 21, count: 80, options: () => ({ executor: new ScriptedExecutor(), maxRounds: 12 }) },
  { name: 'reference quirks, scripted executor', seed: 34, count: 80, options: () => ({ executor: new ScriptedExecutor(), quirks: REFERENCE_QUIRKS }) },
];

/** One hash per transcript over everything the canvas returned or emitted. */
async function replay(setting: Setting): Promise<string[]> {
  const hashes: string[] = [];
  for (const { task, turns } of generateCorpus(setting.count, setting.seed)) {
    const hash = createHash('sha256');
    const events: EventInput[] = [];
    const env = new CanvasEnv({ ...setting.options(), events: { emit: (event) => events.push(event) } });
    const start = env.reset(task);
    hash.update(JSON.stringify(start));
    for (const text of turns) {
      if (env.done) break;
      const result = await env.step(text);
      hash.update(`\u0000${result.feedback}\u0000${result.done}\u0000${JSON.stringify(result.info)}\u0000${JSON.stringify(result.observation)}`);
    }
    hash.update(`\u0000${JSON.stringify(events)}\u0000${JSON.stringify(env.state)}\u0000${JSON.stringify(env.observation())}`);
    hashes.push(hash.digest('hex').slice(0, 16));
  }
  return hashes;
}

describe('replay golden: feedback, observations and state are unchanged', () => {
  const update = process.env['UPDATE_REPLAY_GOLDEN'] === '1';
  const golden: Record<string, string[]> = existsSync(goldenPath) ? (JSON.parse(readFileSync(goldenPath, 'utf8')) as Record<string, string[]>) : {};
  const recorded: Record<string, string[]> = {};

  for (const setting of SETTINGS) {
    it(setting.name, async () => {
      const hashes = await replay(setting);
      recorded[setting.name] = hashes;
      if (update) {
        if (Object.keys(recorded).length === SETTINGS.length) writeFileSync(goldenPath, `${JSON.stringify(recorded, null, 0).replace(/\],/g, '],\n')}\n`);
        return;
      }
      const expected = golden[setting.name];
      expect(expected, `no golden hashes for "${setting.name}"`).toBeDefined();
      const differing = hashes.map((h, i) => (h === expected?.[i] ? -1 : i)).filter((i) => i >= 0);
      expect(differing, 'transcripts whose replay differs from the golden').toEqual([]);
      expect(hashes.length).toBe(expected?.length);
    });
  }
});
