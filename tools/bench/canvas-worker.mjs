// @ts-check
/**
 * One benchmark process: replays the corpus against the canvas build at argv[2] (a dist/index.js)
 * and prints one JSON line: edits/s, per-edit latency percentiles and allocated bytes per edit.
 * Run with large semi-spaces (see canvas-replay.mjs) so the allocation batch sees no GC.
 * Every warm-up replay is timed too: the first one (`cold`, right after module load) shows the
 * start-up cost, the rest (`warmupRates`) show whether the JIT had settled before the timed rounds.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { generateCorpus } from './canvas-corpus.mjs';
import { percentile } from './stats.mjs';

const [modulePath, roundsText = '5', readObservation = '0', settleText = '0', warmupText = '10', warmupMsText = '0'] = process.argv.slice(2);
if (modulePath === undefined) throw new Error('usage: canvas-worker.mjs DIST_INDEX_JS [rounds] [readObservation] [settleHeap] [warmupReplays] [warmupMs]');
const { CanvasEnv } = await import(modulePath);
const corpus = generateCorpus();
const edits = corpus.reduce((n, t) => n + t.turns.length, 0);
const observe = readObservation === '1';

/** Replays the corpus once; returns the steps applied. @param {number[] | undefined} latencies */
async function replay(latencies, transcripts = corpus) {
  let steps = 0;
  let sink = 0;
  for (const { task, turns } of transcripts) {
    const env = new CanvasEnv({ executeEachStep: false });
    env.reset(task);
    for (const text of turns) {
      if (env.done) break;
      const start = latencies === undefined ? 0n : process.hrtime.bigint();
      const result = await env.step(text);
      if (observe) sink += result.observation.text.length;
      sink += result.feedback.length;
      if (latencies !== undefined) latencies.push(Number(process.hrtime.bigint() - start) / 1000);
      steps++;
    }
  }
  if (sink === 0) throw new Error('nothing rendered');
  return steps;
}

/** Edits per wall-second of one replay of the corpus. */
async function timedReplay() {
  const start = process.hrtime.bigint();
  const steps = await replay(undefined);
  return steps / (Number(process.hrtime.bigint() - start) / 1e9);
}

// Warm-up: module initialisation and the JIT, each replay timed but not counted: at least
// `warmupReplays` replays (10 by default) and at least `warmupMs` of wall time (0 by default).
/** @type {number[]} */
const warmupRates = [];
const warmupEnd = performance.now() + Number(warmupMsText);
while (warmupRates.length < Number(warmupText) || performance.now() < warmupEnd) warmupRates.push(await timedReplay());
// Optional (off by default): a full collection after warm-up moves the start-up heap (modules, the
// corpus) out of the young generation, so the first scavenges that copy it, which a build that
// allocates less meets later, inside the timed rounds, are not timed.
if (settleText === '1') globalThis.gc?.();
const rates = [];
/** Edits per CPU-second of this process: on a machine shared with other work, wall time mostly measures the others. */
const cpuRates = [];
/** @type {number[]} */
const latencies = [];
const rounds = Number(roundsText);
for (let i = 0; i < rounds; i++) {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const steps = await replay(undefined);
  rates.push(steps / (Number(process.hrtime.bigint() - start) / 1e9));
  const used = process.cpuUsage(cpu);
  cpuRates.push(steps / ((used.user + used.system) / 1e6));
}
await replay(latencies);

// Allocation: heap growth over a GC-free replay (checked with a GC observer); halve the batch
// until one fits in the young generation.
let gcs = 0;
const observer = new PerformanceObserver((list) => (gcs += list.getEntries().length));
observer.observe({ entryTypes: ['gc'] });
let bytesPerEdit = null;
for (let size = corpus.length; size >= 5 && bytesPerEdit === null; size = Math.floor(size / 2)) {
  globalThis.gc?.();
  // Let the observer report the forced collection before counting.
  await new Promise((resolve) => setTimeout(resolve, 20));
  gcs = 0;
  const before = process.memoryUsage().heapUsed;
  const steps = await replay(undefined, corpus.slice(0, size));
  const allocated = process.memoryUsage().heapUsed - before;
  await new Promise((resolve) => setTimeout(resolve, 20));
  if (gcs === 0) bytesPerEdit = allocated / steps;
}
observer.disconnect();

console.log(JSON.stringify({ edits, cold: warmupRates[0] ?? null, warmupRates, rates, cpuRates, p50: percentile(latencies, 50), p99: percentile(latencies, 99), bytesPerEdit }));
