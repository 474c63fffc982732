#!/usr/bin/env node
// @ts-check
// Benchmark: canvas parse + validate + render per edit, execution off, replaying a varied seeded
// corpus (canvas-corpus.mjs), for this build and a baseline build of a git ref measured in the
// same run, in alternating processes. Reports edits/s, µs per edit (p50/p99) and allocated bytes
// per edit, and the ratio to the baseline.
// Usage: node tools/bench/canvas-replay.mjs [--baseline REF] [--rounds N] [--iterations M] [--observation] [--settle-heap]
//   --settle-heap: one full GC after warm-up in every process (see canvas-worker.mjs); off by default.
//   --warmup K, --warmup-ms T: every process replays the corpus at least K times (default 10)
//     and for at least T ms (default 2000) before the timed rounds, the same rule for both builds.
//     An RL run makes millions of edits, so the timed rounds measure steady state: with 2 warm-up
//     replays (~40 ms each) the timed rounds still fall inside V8's JIT warm-up and the ratio
//     swings between runs; a fast build needs more replays than a slow one to get there, hence
//     the time floor. The report prints the warm-up used (replays per process, median), the cold
//     figure (the first replay after module load, timed on its own) and `settled`: the last
//     warm-up replay's rate over the timed median (near 1 when the warm-up reached steady state).
//   REF defaults to the merge-base with main (today's build). Build this package first (npm run build).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBaseline, defaultBaselineRef } from './canvas-baseline.mjs';
import { median, report } from './stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
/** @param {string} name @param {string} fallback @returns {string} */
const option = (name, fallback) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? (argv[at + 1] ?? fallback) : fallback;
};
const rounds = Number(option('rounds', '4'));
const iterations = option('iterations', '5');
const observation = argv.includes('--observation') ? '1' : '0';
const settleHeap = argv.includes('--settle-heap') ? '1' : '0';
const warmup = option('warmup', '10');
const warmupMs = option('warmup-ms', '2000');
const baselineRef = option('baseline', defaultBaselineRef());

const current = join(resolve(here, '..', '..'), 'packages', 'canvas', 'dist', 'index.js');
if (!existsSync(current)) throw new Error('build @flowsteer/canvas first (npm run build -w @flowsteer/canvas)');
const baseline = buildBaseline(baselineRef);

/** @param {string} entry */
function run(entry) {
  // A 64 MB young generation lets the allocation batch run without a scavenge.
  const out = execFileSync(process.execPath, ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64', join(here, 'canvas-worker.mjs'), entry, iterations, observation, settleHeap, warmup, warmupMs], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}');
}

/** @type {Record<'current' | 'baseline', any[]>} */
const results = { current: [], baseline: [] };
for (let i = 0; i < rounds; i++) {
  // Alternate the order so drift in machine load hits both builds alike.
  /** @type {Array<'current' | 'baseline'>} */
  const order = i % 2 === 0 ? ['baseline', 'current'] : ['current', 'baseline'];
  for (const which of order) results[which].push(run(which === 'current' ? current : baseline.entry));
}

/** @param {any[]} runs */
const summary = (runs) => {
  const rates = runs.flatMap((/** @type {any} */ r) => r.rates);
  const bytes = runs.map((/** @type {any} */ r) => r.bytesPerEdit).filter((/** @type {number | null} */ b) => b !== null);
  const mean = rates.reduce((/** @type {number} */ a, /** @type {number} */ b) => a + b, 0) / rates.length;
  const sd = Math.sqrt(rates.reduce((/** @type {number} */ a, /** @type {number} */ b) => a + (b - mean) ** 2, 0) / Math.max(1, rates.length - 1));
  const colds = runs.map((/** @type {any} */ r) => r.cold).filter((/** @type {number | null} */ c) => c !== null);
  const lastWarmups = runs.map((/** @type {any} */ r) => r.warmupRates?.at(-1)).filter((/** @type {number | undefined} */ w) => w !== undefined);
  const warmupReplays = median(runs.map((/** @type {any} */ r) => r.warmupRates?.length ?? 0));
  return { warmupReplays, cold: colds.length === 0 ? Number.NaN : median(colds), settled: lastWarmups.length === 0 ? Number.NaN : median(lastWarmups) / median(rates), rate: median(rates), cpuRate: median(runs.flatMap((/** @type {any} */ r) => r.cpuRates)), mean, sd, p50: median(runs.map((/** @type {any} */ r) => r.p50)), p99: median(runs.map((/** @type {any} */ r) => r.p99)), bytes: bytes.length === 0 ? Number.NaN : median(bytes) };
};
const now = summary(results.current);
const before = summary(results.baseline);
const perProcessRatios = results.current.map((r, i) => median(r.rates) / median(results.baseline[i]?.rates ?? [Number.NaN]));
report(`canvas replay (${results.current[0]?.edits} edits in 200 generated transcripts, execution off${observation === '1' ? ', observation text read' : ''}${settleHeap === '1' ? ', heap settled after warm-up' : ''}; warm-up ≥ ${warmup} replays and ≥ ${warmupMs} ms per process; baseline ${baseline.sha.slice(0, 9)})`, {
  'edits/s': now.rate,
  'edits/cpu-s': now.cpuRate,
  'edits/s mean': now.mean,
  'edits/s sd': now.sd,
  'µs/edit p50': now.p50,
  'µs/edit p99': now.p99,
  'bytes/edit': now.bytes,
  'cold edits/s': now.cold,
  settled: now.settled,
  'warm-up replays': now.warmupReplays,
  'base edits/s': before.rate,
  'base edits/cpu-s': before.cpuRate,
  'base edits/s sd': before.sd,
  'base µs p50': before.p50,
  'base µs p99': before.p99,
  'base bytes/edit': before.bytes,
  'base cold ed/s': before.cold,
  'base settled': before.settled,
  'base warm-ups': before.warmupReplays,
  'speed-up': now.rate / before.rate,
  'cpu speed-up': now.cpuRate / before.cpuRate,
  'p50 speed-up': before.p50 / now.p50,
  'cold speed-up': now.cold / before.cold,
  'speed-up min': Math.min(...perProcessRatios),
  'speed-up max': Math.max(...perProcessRatios),
  processes: rounds * 2,
});
