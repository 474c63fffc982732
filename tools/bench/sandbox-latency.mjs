#!/usr/bin/env node
// @ts-check
// Benchmark of the isolated system-python sandbox on a 5-assert MBPP-style suite:
//  - cold: a sandbox with no pool, so the run pays for starting bubblewrap and Python;
//  - warm: a pooled interpreter is ready (the pool is topped up before each timed run);
//  - throughput: a burst of suites through the default sandbox (pool 2, one run per CPU).
// Each figure is measured in several rounds (seeds) and printed as mean ± sd over the rounds.
// Usage: node tools/bench/sandbox-latency.mjs [--rounds 3] [--cold 10] [--warm 50] [--burst 100]
import { SystemPythonSandbox, runTestSuite } from '@flowsteer/operators-code';
import { median, parseArgs, percentile, report } from './stats.mjs';

const args = parseArgs(process.argv.slice(2), { rounds: 3, cold: 10, warm: 50, burst: 100 });
const solution = 'def add(a, b):\n    return a + b\n';
const tests = ['assert add(1, 2) == 3', 'assert add(-1, 1) == 0', 'assert add(10, 5) == 15', 'assert add(0, 0) == 0', 'assert add(2, 2) == 4'].join('\n');
const suite = { solution, tests, entryPoint: 'add', timeoutMs: 30_000 };

/** @param {SystemPythonSandbox} sandbox */
async function timedSuite(sandbox) {
  const start = performance.now();
  const outcome = await runTestSuite(sandbox, suite);
  const ms = performance.now() - start;
  if (!outcome.passed || outcome.total !== 5) throw new Error(`the benchmark suite did not pass: ${JSON.stringify(outcome)}`);
  return ms;
}

/** @param {number[]} xs */
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** @param {number[]} xs */
const sd = (xs) => Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));

/** @type {{ cold: number[], p50: number[], p90: number[], perSecond: number[] }} */
const rounds = { cold: [], p50: [], p90: [], perSecond: [] };
for (let round = 0; round < args.rounds; round++) {
  const cold = [];
  for (let i = 0; i < args.cold; i++) {
    const sandbox = new SystemPythonSandbox({ pool: 0 });
    cold.push(await timedSuite(sandbox));
    await sandbox.close();
  }
  const pooled = new SystemPythonSandbox({ pool: 2 });
  const warm = [];
  for (let i = 0; i < args.warm; i++) {
    await pooled.warmup();
    warm.push(await timedSuite(pooled));
  }
  await pooled.close();
  const defaults = new SystemPythonSandbox();
  await defaults.warmup();
  const start = performance.now();
  await Promise.all(Array.from({ length: args.burst }, () => timedSuite(defaults)));
  const perSecond = args.burst / ((performance.now() - start) / 1000);
  await defaults.close();
  rounds.cold.push(median(cold));
  rounds.p50.push(median(warm));
  rounds.p90.push(percentile(warm, 90));
  rounds.perSecond.push(perSecond);
  report(`round ${round + 1}`, { 'cold p50 ms': median(cold), 'cold max ms': Math.max(...cold), 'warm p50 ms': median(warm), 'warm p90 ms': percentile(warm, 90), 'suites / s': perSecond });
}
report(`system-python sandbox, 5-assert suite, ${args.rounds} rounds (mean, sd over rounds)`, {
  'cold p50 ms': mean(rounds.cold),
  'cold sd': sd(rounds.cold),
  'warm p50 ms': mean(rounds.p50),
  'warm p50 sd': sd(rounds.p50),
  'warm p90 ms': mean(rounds.p90),
  'warm p90 sd': sd(rounds.p90),
  'suites / s': mean(rounds.perSecond),
  'suites / s sd': sd(rounds.perSecond),
});
