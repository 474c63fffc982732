#!/usr/bin/env node
// @ts-check
// Benchmark: canvas edits per second when replaying a 20-turn transcript with execution off.
// Usage: node tools/bench/canvas-replay.mjs [--runs N] [--replays-per-run M]
import { CanvasEnv } from '@flowsteer/canvas';
import { median, percentile, parseArgs, report } from './stats.mjs';
import { TWENTY_TURNS } from './transcripts.mjs';


const args = parseArgs(process.argv.slice(2), { runs: 15, 'replays-per-run': 200 });
const task = { problem: 'What is 6*7?', type: 'math' };

async function replayOnce() {
  const env = new CanvasEnv();
  env.reset(task);
  for (const text of TWENTY_TURNS) await env.step(text);
  if (!env.done) throw new Error('benchmark transcript did not finish');
}

await replayOnce(); // warm-up (JIT, module init)
const rates = [];
for (let run = 0; run < args.runs; run++) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < args['replays-per-run']; i++) await replayOnce();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rates.push((args['replays-per-run'] * TWENTY_TURNS.length) / seconds);
}
report('canvas replay (20-turn transcript, execution off)', {
  'edits/s median': median(rates),
  'edits/s p10': percentile(rates, 10),
  'edits/s p90': percentile(rates, 90),
  'µs/edit median': 1e6 / median(rates),
  runs: args.runs,
  'replays/run': args['replays-per-run'],
});
