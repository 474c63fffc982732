#!/usr/bin/env node
// @ts-check
// Benchmark: executor throughput against an OpenAI-compatible server with a fixed latency, run in
// a separate process. The ceiling is concurrency / latency calls per second. Two measurements:
//  - batch: W workflows started together (ramp-up and tail included), as before;
//  - steady: R rollouts kept in flight for a fixed window (a finished one is replaced at once),
//    which is what an RL engine driving hundreds of sessions sees.
// It also reports where a call's time goes: client-observed latency minus the server's delay
// (HTTP, JSON, SSE parsing, event emission), and time spent waiting for a concurrency slot.
// Usage: node tools/bench/executor-throughput.mjs [--latency-ms 50] [--concurrency 16] [--workflows 40] [--runs 5] [--rollouts 256] [--window-ms 3000]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenAiCompatibleBackend } from '@flowsteer/backends-openai';
import { WorkflowExecutor, parseDsl } from '@flowsteer/canvas';
import { STANDARD_OPERATORS } from '@flowsteer/operators-standard';
import { median, parseArgs, percentile, report } from './stats.mjs';

const args = parseArgs(process.argv.slice(2), { 'latency-ms': 50, concurrency: 16, workflows: 40, runs: 5, rollouts: 256, 'window-ms': 3000 });
// Seven LLM calls per workflow: a solver, four parallel branches, an ensemble choice, a formatter.
const WORKFLOW = 'Custom -> [Custom, AnswerGenerate, Custom, AnswerGenerate] -> ScEnsemble -> Format';
const latency = args['latency-ms'];

const server = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'fake-llm-process.mjs'), String(latency)], { stdio: ['pipe', 'pipe', 'inherit'] });
const [line] = await once(server.stdout, 'data');
const baseUrl = String(line).trim();
const graph = parseDsl(WORKFLOW);

/** An executor whose backend measures slot waits and in-flight time. @param {number} concurrency */
function instrumented(concurrency) {
  const backend = new OpenAiCompatibleBackend({ baseUrl, model: 'bench', concurrency });
  const stats = { calls: 0, busyMs: 0, waitMs: 0, latencies: /** @type {number[]} */ ([]) };
  const timed = {
    id: backend.id,
    chat: (/** @type {any} */ request) => backend.chat(request),
    async *stream(/** @type {any} */ request) {
      const start = performance.now();
      for await (const event of backend.stream(request)) {
        if (event.type === 'done') {
          // latencyMs runs from the slot being granted to the last byte; the rest was queueing.
          stats.calls++;
          stats.busyMs += event.result.latencyMs;
          stats.latencies.push(event.result.latencyMs);
          stats.waitMs += performance.now() - start - event.result.latencyMs;
        }
        yield event;
      }
    },
  };
  return { executor: new WorkflowExecutor({ operators: STANDARD_OPERATORS, backend: timed }), stats };
}

async function batch() {
  const { executor, stats } = instrumented(args.concurrency);
  const start = performance.now();
  const runs = await Promise.all(Array.from({ length: args.workflows }, (_, i) => executor.run(graph, { problem: `task ${i}`, type: 'math' })));
  const seconds = (performance.now() - start) / 1000;
  if (runs.some((r) => !r.success)) throw new Error(`a workflow failed: ${runs.find((r) => !r.success)?.error}`);
  return { callsPerSecond: stats.calls / seconds, stats };
}

/** @param {number} concurrency @param {number} rollouts */
async function steady(concurrency, rollouts) {
  const { executor, stats } = instrumented(concurrency);
  let stop = false;
  let counting = false;
  let counted = 0;
  /** @type {string[]} */
  const failures = [];
  const worker = async (/** @type {number} */ id) => {
    for (let i = 0; !stop; i++) {
      const before = stats.calls;
      const run = await executor.run(graph, { problem: `rollout ${id}.${i}`, type: 'math' });
      if (!run.success) failures.push(String(run.error));
      if (counting) counted += stats.calls - before;
    }
  };
  const workers = Array.from({ length: rollouts }, (_, id) => worker(id));
  await new Promise((resolve) => setTimeout(resolve, Math.max(500, latency * 10))); // ramp up
  const callsAtStart = stats.calls;
  const busyAtStart = stats.busyMs;
  const start = performance.now();
  counting = true;
  await new Promise((resolve) => setTimeout(resolve, args['window-ms']));
  const seconds = (performance.now() - start) / 1000;
  const calls = stats.calls - callsAtStart;
  const busy = stats.busyMs - busyAtStart;
  stop = true;
  await Promise.all(workers);
  const window = stats.latencies.slice(-calls);
  return { callsPerSecond: calls / seconds, utilisation: busy / (concurrency * seconds * 1000), overheadMs: median(window) - latency, p99OverheadMs: percentile(window, 99) - latency, counted, failures };
}

await batch(); // warm-up
const batches = [];
for (let i = 0; i < args.runs; i++) batches.push(await batch());
const ceiling = args.concurrency / (latency / 1000);
const rates = batches.map((r) => r.callsPerSecond);
const overhead = batches.flatMap((r) => r.stats.latencies).map((l) => l - latency);
report(`executor throughput, batch (${args.workflows} x ${WORKFLOW}; latency ${latency} ms, concurrency ${args.concurrency})`, {
  'ceiling calls/s': ceiling,
  'calls/s median': median(rates),
  'calls/s p10': percentile(rates, 10),
  'fraction': median(rates) / ceiling,
  'call overhead ms': median(overhead),
  'overhead p99 ms': percentile(overhead, 99),
  runs: args.runs,
});

for (const [concurrency, rollouts] of /** @type {Array<[number, number]>} */ ([[args.concurrency, Math.max(args.concurrency, 64)], [args.rollouts, args.rollouts]])) {
  const runs = [];
  for (let i = 0; i < Math.min(3, args.runs); i++) runs.push(await steady(concurrency, rollouts));
  const limit = concurrency / (latency / 1000);
  const fractions = runs.map((r) => r.callsPerSecond / limit);
  report(`executor throughput, steady state (${rollouts} rollouts in flight; latency ${latency} ms, concurrency ${concurrency})`, {
    'ceiling calls/s': limit,
    'calls/s median': median(runs.map((r) => r.callsPerSecond)),
    'fraction': median(fractions),
    'fraction min': Math.min(...fractions),
    'slot utilisation': median(runs.map((r) => r.utilisation)),
    'call overhead ms': median(runs.map((r) => r.overheadMs)),
    'overhead p99 ms': median(runs.map((r) => r.p99OverheadMs)),
    'failed workflows': runs.reduce((n, r) => n + r.failures.length, 0),
    runs: runs.length,
  });
  const firstFailure = runs.flatMap((r) => r.failures)[0];
  if (firstFailure !== undefined) console.log(`  first failure: ${firstFailure}`);
}
server.stdin.end();
await once(server, 'exit');
