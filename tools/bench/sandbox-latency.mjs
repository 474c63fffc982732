#!/usr/bin/env node
// @ts-check
// Benchmark: warm sandbox latency for a small unit-test suite (MBPP style), pyodide and system python.
// Usage: node tools/bench/sandbox-latency.mjs [--runs 50]
import { PyodideSandbox, SystemPythonSandbox, buildTestProgram, readTestOutcome } from '@flowsteer/operators-code';
import { median, parseArgs, percentile, report } from './stats.mjs';

const args = parseArgs(process.argv.slice(2), { runs: 50 });
const solution = 'def add(a, b):\n    return a + b\n';
const tests = ['assert add(1, 2) == 3', 'assert add(-1, 1) == 0', 'assert add(10, 5) == 15', 'assert add(0, 0) == 0', 'assert add(2, 2) == 4'].join('\n');
const program = buildTestProgram(solution, tests, 'add');

for (const [name, sandbox] of /** @type {const} */ ([['pyodide', new PyodideSandbox({ workers: 1 })], ['system-python', new SystemPythonSandbox()]])) {
  const coldStart = performance.now();
  const first = await sandbox.run({ code: program, timeoutMs: 30_000 });
  const coldMs = performance.now() - coldStart;
  if (readTestOutcome(first.stdout)?.passed !== true) throw new Error(`${name}: the benchmark suite did not pass: ${first.stderr}`);
  const latencies = [];
  for (let i = 0; i < args.runs; i++) {
    const start = performance.now();
    await sandbox.run({ code: program, timeoutMs: 30_000 });
    latencies.push(performance.now() - start);
  }
  await sandbox.close();
  report(`sandbox latency, 5-assert suite (${name})`, { 'first run ms': coldMs, 'warm p50 ms': median(latencies), 'warm p90 ms': percentile(latencies, 90), runs: args.runs });
}
