#!/usr/bin/env node
// @ts-check
// Benchmark: executor throughput against an OpenAI-compatible server with a fixed latency, run in
// a separate process. The ceiling is concurrency / latency calls per second.
//  - batch: W workflows started together (ramp-up and tail included); also compared with the same
//    batch on an ideal backend (every call exactly `latency` ms, simulated), which shows what the
//    workflow's shape alone costs;
//  - steady: R rollouts kept in flight for a fixed window (a finished one is replaced at once),
//    which is what an RL engine driving hundreds of sessions sees: 64 rollouts on concurrency 16,
//    256 rollouts on concurrency 256 at the same latency (CPU-bound on a small machine: the ceiling
//    needs thousands of HTTP calls a second), 256 rollouts sharing concurrency 16, and 256 rollouts
//    on concurrency 256 at a realistic LLM latency (--slow-latency-ms);
//  - layers: the same steady load (concurrency C, 4C callers) through a bare node:http client, the
//    backend alone (plain and streamed completions) and the whole executor, so the per-call
//    overhead can be split between the transport floor of this machine, the backend and the
//    executor. Each steady case and the batch also run through the bare client in the same run
//    (`fraction/transport`), which separates what the executor costs from what the machine allows.
// Each case reports where a call's time goes: client-observed latency minus the server's delay,
// the server's own delay beyond the nominal latency (its timer and event loop), client and server
// CPU per call, and TCP connections opened (keep-alive reuse).
// Usage: node tools/bench/executor-throughput.mjs [--latency-ms 50] [--concurrency 16] [--workflows 40] [--runs 5] [--rollouts 256] [--window-ms 3000] [--slow-latency-ms 1000]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest, Agent } from 'node:http';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { OpenAiCompatibleBackend } from '@flowsteer/backends-openai';
import { WorkflowExecutor, parseDsl } from '@flowsteer/canvas';
import { STANDARD_OPERATORS } from '@flowsteer/operators-standard';
import { median, parseArgs, percentile, report } from './stats.mjs';

const args = parseArgs(process.argv.slice(2), { 'latency-ms': 50, concurrency: 16, workflows: 40, runs: 5, rollouts: 256, 'window-ms': 3000, 'slow-latency-ms': 1000 });
// Seven LLM calls per workflow: a solver, four parallel branches, an ensemble choice, a formatter.
const WORKFLOW = 'Custom -> [Custom, AnswerGenerate, Custom, AnswerGenerate] -> ScEnsemble -> Format';
const STAGES = [1, 4, 1, 1];
const graph = parseDsl(WORKFLOW);
const steadyRuns = Math.min(3, args.runs);

/** A fake server process with a fixed latency, and its stats. @param {number} latency */
async function startServer(latency) {
  const child = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'fake-llm-process.mjs'), String(latency)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stdout) })[Symbol.asyncIterator]();
  const baseUrl = String((await lines.next()).value).trim();
  return {
    baseUrl,
    latency,
    /** @returns {Promise<{ requests: number; connections: number; delaySumMs: number; cpuMs: number }>} */
    async stats() {
      child.stdin.write('stats\n');
      return JSON.parse(String((await lines.next()).value));
    },
    async stop() {
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

/** @typedef {{ calls: number; latencies: number[]; intervals: Array<[number, number]> }} CallLog */

/** @param {string} baseUrl @param {number} concurrency */
function instrumentedBackend(baseUrl, concurrency) {
  const backend = new OpenAiCompatibleBackend({ baseUrl, model: 'bench', concurrency });
  /** @type {CallLog} */
  const log = { calls: 0, latencies: [], intervals: [] };
  // latencyMs runs from the slot being granted to the last byte; before that the call queued.
  const logCall = (/** @type {number} */ latencyMs) => {
    const end = performance.now();
    log.calls++;
    log.latencies.push(latencyMs);
    log.intervals.push([end - latencyMs, end]);
  };
  const timed = {
    id: backend.id,
    async chat(/** @type {any} */ request) {
      const result = await backend.chat(request);
      logCall(result.latencyMs);
      return result;
    },
    close: () => backend.close(),
    async *stream(/** @type {any} */ request) {
      for await (const event of backend.stream(request)) {
        if (event.type === 'done') logCall(event.result.latencyMs);
        yield event;
      }
    },
  };
  return { backend: timed, log };
}

/** Slot time used inside [from, to], as a share of `slots` slots. @param {CallLog} log @param {number} from @param {number} to @param {number} slots */
function utilisation(log, from, to, slots) {
  let busy = 0;
  for (const [start, end] of log.intervals) busy += Math.max(0, Math.min(end, to) - Math.max(start, from));
  return busy / (slots * (to - from));
}

/**
 * Calls per second inside [from, to], each call counted by the share of it that falls inside.
 * Counting whole completions would alias: at a latency near the window's length, rollouts move in
 * waves and a window holds one wave more or less depending on where it starts.
 * @param {CallLog} log @param {number} from @param {number} to
 */
function callsPerSecond(log, from, to) {
  let calls = 0;
  for (const [start, end] of log.intervals) calls += Math.max(0, Math.min(end, to) - Math.max(start, from)) / Math.max(end - start, 1e-9);
  return calls / ((to - from) / 1000);
}

/**
 * Keeps `callers` loops calling `one` for a window after a ramp-up; returns the window's numbers.
 * @param {Awaited<ReturnType<typeof startServer>>} server @param {number} concurrency @param {number} callers
 * @param {CallLog} log @param {() => Promise<void>} one
 */
async function steadyWindow(server, concurrency, callers, log, one) {
  let stop = false;
  /** @type {string[]} */
  const failures = [];
  const loop = async () => {
    while (!stop) await one().catch((/** @type {unknown} */ error) => void failures.push(String(error)));
  };
  const loops = Array.from({ length: callers }, loop);
  // Ramp up for a workflow's length, so the callers are spread over its stages when counting starts.
  await new Promise((resolve) => setTimeout(resolve, Math.max(500, server.latency * STAGES.length)));
  const windowMs = Math.max(args['window-ms'], server.latency * STAGES.length);
  const callsBefore = log.calls;
  const serverBefore = await server.stats();
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const end = performance.now();
  const cpu = process.cpuUsage(cpuBefore);
  const serverAfter = await server.stats();
  const calls = log.calls - callsBefore;
  stop = true;
  await Promise.all(loops);
  const window = log.latencies.slice(callsBefore, callsBefore + calls);
  const served = serverAfter.requests - serverBefore.requests;
  const rate = callsPerSecond(log, start, end);
  return {
    callsPerSecond: rate,
    fraction: rate / (concurrency / (server.latency / 1000)),
    utilisation: utilisation(log, start, end, concurrency),
    overheadMs: median(window) - server.latency,
    p99OverheadMs: percentile(window, 99) - server.latency,
    serverLateMs: (serverAfter.delaySumMs - serverBefore.delaySumMs) / served - server.latency,
    clientCpuMsPerCall: (cpu.user + cpu.system) / 1000 / calls,
    serverCpuMsPerCall: (serverAfter.cpuMs - serverBefore.cpuMs) / served,
    connections: serverAfter.connections,
    failures,
  };
}

/** @param {Array<Awaited<ReturnType<typeof steadyWindow>>>} runs @param {number} concurrency @param {number} latency */
function steadyReport(runs, concurrency, latency) {
  const ceiling = concurrency / (latency / 1000);
  const fractions = runs.map((r) => r.fraction);
  return {
    'ceiling calls/s': ceiling,
    'calls/s median': median(runs.map((r) => r.callsPerSecond)),
    fraction: median(fractions),
    'fraction min': Math.min(...fractions),
    // Against the server's delay as it really was (its timer and event loop run late on a busy machine).
    'fraction/served': median(runs.map((r) => r.callsPerSecond / (concurrency / ((latency + r.serverLateMs) / 1000)))),
    'slot utilisation': median(runs.map((r) => r.utilisation)),
    'call overhead ms': median(runs.map((r) => r.overheadMs)),
    'overhead p99 ms': median(runs.map((r) => r.p99OverheadMs)),
    'server late ms': median(runs.map((r) => r.serverLateMs)),
    'client cpu ms': median(runs.map((r) => r.clientCpuMsPerCall)),
    'server cpu ms': median(runs.map((r) => r.serverCpuMsPerCall)),
    connections: Math.max(...runs.map((r) => r.connections)),
    'failed workflows': runs.reduce((n, r) => n + r.failures.length, 0),
    runs: runs.length,
  };
}

/**
 * Steady state of whole workflows, each repetition also running the same load (`concurrency`
 * callers, same latency) through a bare keep-alive node:http client on a fresh server: that is the
 * transport floor of this machine at this load, and `fraction/transport` is the executor's share of it.
 * @param {number} latency @param {number} concurrency @param {number} rollouts
 */
async function steadyWorkflows(latency, concurrency, rollouts) {
  const runs = [];
  const bare = [];
  for (let i = 0; i < steadyRuns; i++) {
    bare.push(await bareSteady(latency, concurrency));
    const server = await startServer(latency);
    const { backend, log } = instrumentedBackend(server.baseUrl, concurrency);
    const executor = new WorkflowExecutor({ operators: STANDARD_OPERATORS, backend });
    let n = 0;
    runs.push(
      await steadyWindow(server, concurrency, rollouts, log, async () => {
        const run = await executor.run(graph, { problem: `rollout ${n++}`, type: 'math' });
        if (!run.success) throw new Error(run.error);
      }),
    );
    await backend.close();
    await server.stop();
  }
  const result = steadyReport(runs, concurrency, latency);
  const transport = median(bare.map((r) => r.callsPerSecond));
  report(`executor throughput, steady state (${rollouts} rollouts in flight; latency ${latency} ms, concurrency ${concurrency})`, {
    ...result,
    'transport fraction': transport / result['ceiling calls/s'],
    'transport cpu ms': median(bare.map((r) => r.clientCpuMsPerCall)),
    'fraction/transport': result['calls/s median'] / transport,
  });
  const firstFailure = runs.flatMap((r) => r.failures)[0];
  if (firstFailure !== undefined) console.log(`  first failure: ${firstFailure}`);
  return result;
}

/** The bare client's steady window at `concurrency` callers on its own server. @param {number} latency @param {number} concurrency */
async function bareSteady(latency, concurrency) {
  const server = await startServer(latency);
  /** @type {CallLog} */
  const log = { calls: 0, latencies: [], intervals: [] };
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const result = await steadyWindow(server, concurrency, concurrency, log, () => bareCall(server.baseUrl, agent, log));
  agent.destroy();
  await server.stop();
  return result;
}

const PROMPT = [
  { role: 'system', content: 'You are a careful solver. '.repeat(12) },
  { role: 'user', content: 'Solve the task and put the final answer in <answer> tags. '.repeat(10) },
];

/** One plain completion through a bare keep-alive node:http client (what the executor sends when nobody watches its nodes stream): the transport floor. @param {string} baseUrl @param {Agent} agent @param {CallLog} log */
function bareCall(baseUrl, agent, log) {
  const url = new URL(`${baseUrl}/chat/completions`);
  const body = JSON.stringify({ model: 'bench', messages: PROMPT });
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => {
        const end = performance.now();
        log.calls++;
        log.latencies.push(end - start);
        log.intervals.push([start, end]);
        resolve(undefined);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The same steady load through three layers. @param {number} latency @param {number} concurrency */
async function layers(latency, concurrency) {
  // The bare client has no semaphore: it gets exactly `concurrency` callers, so its latency is
  // the round trip and not a wait for a socket; the others queue 4x as many callers on their slots.
  const callersOf = (/** @type {string} */ layer) => (layer === 'bare node:http' ? concurrency : concurrency * 4);
  /** @type {Record<string, Array<Awaited<ReturnType<typeof steadyWindow>>>>} */
  const byLayer = { 'bare node:http': [], 'backend chat': [], 'backend stream': [], executor: [] };
  for (let i = 0; i < steadyRuns; i++) {
    // Alternating layers within each repetition, so a change in machine load hits all three.
    for (const layer of Object.keys(byLayer)) {
      const server = await startServer(latency);
      const { backend, log } = instrumentedBackend(server.baseUrl, concurrency);
      /** @type {() => Promise<void>} */
      let one;
      const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
      if (layer === 'bare node:http') {
        one = () => bareCall(server.baseUrl, agent, log);
      } else if (layer === 'backend chat') {
        // What the executor's nodes send when nobody watches their output.
        one = async () => void (await backend.chat({ messages: /** @type {any} */ (PROMPT) }));
      } else if (layer === 'backend stream') {
        one = async () => {
          for await (const event of backend.stream({ messages: /** @type {any} */ (PROMPT) })) if (event.type === 'done') return;
        };
      } else {
        const executor = new WorkflowExecutor({ operators: STANDARD_OPERATORS, backend });
        let n = 0;
        one = async () => {
          const run = await executor.run(graph, { problem: `rollout ${n++}`, type: 'math' });
          if (!run.success) throw new Error(run.error);
        };
      }
      /** @type {any[]} */ (byLayer[layer]).push(await steadyWindow(server, concurrency, callersOf(layer), log, one));
      agent.destroy();
      await backend.close();
      await server.stop();
    }
  }
  for (const [layer, runs] of Object.entries(byLayer)) report(`per-call overhead by layer: ${layer} (${callersOf(layer)} callers; latency ${latency} ms, concurrency ${concurrency})`, steadyReport(runs, concurrency, latency));
}

/**
 * The batch on an ideal backend: FIFO slots, every call exactly `latency` ms, no overhead.
 * @param {number} workflows @param {number} concurrency @param {number} latency @returns {number} seconds
 */
function idealBatchSeconds(workflows, concurrency, latency) {
  /** @type {number[]} */
  const queue = []; // workflow ids, one entry per waiting call
  /** @type {Array<{ end: number; workflow: number }>} */
  let running = [];
  const stage = new Array(workflows).fill(0);
  const pending = new Array(workflows).fill(0);
  const enqueue = (/** @type {number} */ w) => {
    pending[w] = /** @type {number} */ (STAGES[stage[w]]);
    for (let i = 0; i < pending[w]; i++) queue.push(w);
  };
  for (let w = 0; w < workflows; w++) enqueue(w);
  let now = 0;
  for (;;) {
    while (running.length < concurrency && queue.length > 0) running.push({ end: now + latency, workflow: /** @type {number} */ (queue.shift()) });
    if (running.length === 0) return now / 1000;
    now = Math.min(...running.map((r) => r.end));
    const finished = running.filter((r) => r.end === now);
    running = running.filter((r) => r.end !== now);
    for (const { workflow } of finished) {
      if (--pending[workflow] > 0) continue;
      if (++stage[workflow] < STAGES.length) enqueue(workflow);
    }
  }
}

/**
 * The batch's calls, stage by stage per workflow, through a bare keep-alive node:http client whose
 * agent queues them FIFO on `concurrency` sockets: the same shape with no executor or backend.
 * @param {string} baseUrl @param {Agent} agent @returns {Promise<number>} seconds
 */
async function bareBatchSeconds(baseUrl, agent) {
  /** @type {CallLog} */
  const log = { calls: 0, latencies: [], intervals: [] };
  const start = performance.now();
  await Promise.all(
    Array.from({ length: args.workflows }, async () => {
      for (const calls of STAGES) await Promise.all(Array.from({ length: calls }, () => bareCall(baseUrl, agent, log)));
    }),
  );
  return (performance.now() - start) / 1000;
}

async function batch() {
  const server = await startServer(args['latency-ms']);
  /** @type {Array<{ callsPerSecond: number; latencies: number[] }>} */
  const results = [];
  /** @type {number[]} */
  const bareRates = [];
  const callsPerBatch = args.workflows * STAGES.reduce((a, b) => a + b, 0);
  const agent = new Agent({ keepAlive: true, maxSockets: args.concurrency });
  for (let i = 0; i <= args.runs; i++) {
    // Alternating with the executor's batch on the same server, each on its own connections.
    const bareSeconds = await bareBatchSeconds(server.baseUrl, agent);
    const { backend, log } = instrumentedBackend(server.baseUrl, args.concurrency);
    const executor = new WorkflowExecutor({ operators: STANDARD_OPERATORS, backend });
    const start = performance.now();
    const runs = await Promise.all(Array.from({ length: args.workflows }, (_, n) => executor.run(graph, { problem: `task ${n}`, type: 'math' })));
    const seconds = (performance.now() - start) / 1000;
    if (runs.some((r) => !r.success)) throw new Error(`a workflow failed: ${runs.find((r) => !r.success)?.error}`);
    // The first round of each warms up.
    if (i > 0) {
      results.push({ callsPerSecond: log.calls / seconds, latencies: log.latencies });
      bareRates.push(callsPerBatch / bareSeconds);
    }
    await backend.close();
  }
  agent.destroy();
  await server.stop();
  const latency = args['latency-ms'];
  const ceiling = args.concurrency / (latency / 1000);
  const ideal = callsPerBatch / idealBatchSeconds(args.workflows, args.concurrency, latency);
  const rates = results.map((r) => r.callsPerSecond);
  const overhead = results.flatMap((r) => r.latencies).map((l) => l - latency);
  report(`executor throughput, batch (${args.workflows} x ${WORKFLOW}; latency ${latency} ms, concurrency ${args.concurrency})`, {
    'ceiling calls/s': ceiling,
    'ideal calls/s': ideal,
    'transport calls/s': median(bareRates),
    'calls/s median': median(rates),
    'calls/s p10': percentile(rates, 10),
    fraction: median(rates) / ceiling,
    'fraction/ideal': median(rates) / ideal,
    'fraction/transport': median(rates) / median(bareRates),
    'call overhead ms': median(overhead),
    'overhead p99 ms': percentile(overhead, 99),
    runs: args.runs,
  });
}

await batch();
await layers(args['latency-ms'], args.concurrency);
await steadyWorkflows(args['latency-ms'], args.concurrency, Math.max(args.concurrency, 64));
await steadyWorkflows(args['latency-ms'], args.rollouts, args.rollouts);
await steadyWorkflows(args['latency-ms'], args.concurrency, args.rollouts);
await steadyWorkflows(args['slow-latency-ms'], args.rollouts, args.rollouts);
