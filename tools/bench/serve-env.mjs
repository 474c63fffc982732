#!/usr/bin/env node
// @ts-check
// Benchmark: serve-env step latency with many concurrent sessions and no executor. The server runs
// in its own process; every session replays a 12-step episode (full structure, then finish) with
// one request in flight per session, all sessions at once. Reports per-step latency p50/p99 and
// steps/s over runs, the same with batch steps, and how long one hostile step (the largest allowed
// action, 16 KiB of whitespace in a tag) delays the other sessions.
// "server CPU ms/step" is the server process's CPU time over a concurrent run (its 1,000 resets
// included) divided by its steps: the number that does not depend on how busy the machine is.
// Usage: node tools/bench/serve-env.mjs [--sessions 1000] [--runs 3] [--sockets 256] [--compact 1]
// (--compact 1: sessions reset with `compact: true`, observations without `messages`)
// SERVE_ENV_MODULE=path/to/dist/index.js runs the server from another build (to compare two builds);
// BENCH_CPU_PROF=dir writes a CPU profile of the server there.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { FULL_SCRIPT, FULL_SCRIPT_TASK } from '@flowsteer/testing';
import { median, parseArgs, percentile, report } from './stats.mjs';

const args = parseArgs(process.argv.slice(2), { sessions: 1000, runs: 3, sockets: 256, compact: 0 });
const SCRIPT = FULL_SCRIPT;
const TASK = FULL_SCRIPT_TASK;

const child = spawn(process.execPath, [...(process.env['BENCH_CPU_PROF'] === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_CPU_PROF']]), fileURLToPath(new URL('./serve-env-server.mjs', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
const base = await new Promise((resolve, reject) => {
  /** @type {import('node:stream').Readable} */ (child.stdout).once('data', (chunk) => resolve(String(chunk).trim()));
  child.once('exit', (code) => reject(new Error(`benchmark server exited with ${code}`)));
});
/** CPU time (user + system, ms) the server process has used so far. @returns {Promise<number>} */
function serverCpuMs() {
  return new Promise((resolve) => {
    child.once('message', (/** @type {{ user: number, system: number }} */ usage) => resolve((usage.user + usage.system) / 1000));
    child.send('cpu');
  });
}
const agent = new Agent({ keepAlive: true, maxSockets: args.sockets });

/** @param {string} path @param {unknown} body @returns {Promise<any>} */
function post(path, body) {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (res.statusCode !== 200) reject(new Error(`${path}: ${res.statusCode} ${json.error}`));
        else resolve(json);
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function openSessions() {
  const opened = await post('/v1/batch/reset', { requests: Array.from({ length: args.sessions }, (_, i) => ({ task: TASK, seed: i, ...(args.compact === 1 ? { compact: true } : {}) })) });
  return opened.results.map((/** @type {any} */ r) => r.body.session);
}

/** Each session steps through the script, one request in flight per session. */
async function concurrentRun() {
  const cpuBefore = await serverCpuMs();
  const sessions = await openSessions();
  /** @type {number[]} */
  const latencies = [];
  const start = performance.now();
  await Promise.all(
    sessions.map(async (/** @type {string} */ session) => {
      for (const action of SCRIPT) {
        const t = performance.now();
        const step = await post('/v1/step', { session, action });
        latencies.push(performance.now() - t);
        if (!step.info.accepted) throw new Error(`step refused: ${step.feedback.slice(0, 200)}`);
      }
    }),
  );
  const stepsPerSecond = latencies.length / ((performance.now() - start) / 1000);
  return { latencies, stepsPerSecond, serverCpuMsPerStep: ((await serverCpuMs()) - cpuBefore) / latencies.length };
}

/** All sessions step together, one batch call per turn. */
async function batchRun() {
  const sessions = await openSessions();
  /** @type {number[]} */
  const perCall = [];
  const start = performance.now();
  for (const action of SCRIPT) {
    const t = performance.now();
    await post('/v1/batch/step', { requests: sessions.map((/** @type {string} */ session) => ({ session, action })) });
    perCall.push(performance.now() - t);
  }
  return { perCall, stepsPerSecond: (SCRIPT.length * sessions.length) / ((performance.now() - start) / 1000) };
}

/** Latency of a cheap step on another session while one hostile 16 KiB step is being handled. */
async function hostileStall() {
  const [victim, attacker] = await post('/v1/batch/reset', { requests: [{ task: TASK }, { task: TASK }] }).then((r) => r.results.map((/** @type {any} */ x) => x.body.session));
  const hostile = `<action>add</action><operator>${' '.repeat(16_384 - 40)}`;
  const t = performance.now();
  const attack = post('/v1/step', { session: attacker, action: hostile }).then(() => performance.now() - t);
  const v = performance.now();
  await post('/v1/step', { session: victim, action: SCRIPT[0] });
  const victimMs = performance.now() - v;
  return { hostileMs: await attack, victimMs };
}

await concurrentRun(); // warm-up
const runs = [];
const batches = [];
const stalls = [];
for (let i = 0; i < args.runs; i++) {
  runs.push(await concurrentRun());
  batches.push(await batchRun());
  stalls.push(await hostileStall());
}
child.disconnect();
child.kill('SIGTERM');
agent.destroy();
const all = runs.flatMap((r) => r.latencies);
const p50s = runs.map((r) => percentile(r.latencies, 50));
const p99s = runs.map((r) => percentile(r.latencies, 99));
report(`serve-env, ${args.sessions} concurrent sessions, no executor, ${SCRIPT.length}-step episodes${args.compact === 1 ? ', compact observations' : ''}, ${args.runs} runs`, {
  'step ms p50': percentile(all, 50),
  'step ms p99': percentile(all, 99),
  'p50 run min': Math.min(...p50s),
  'p50 run max': Math.max(...p50s),
  'p99 run min': Math.min(...p99s),
  'p99 run max': Math.max(...p99s),
  'steps/s median': median(runs.map((r) => r.stepsPerSecond)),
  'server CPU ms/step': median(runs.map((r) => r.serverCpuMsPerStep)),
  'batch call ms p50': percentile(batches.flatMap((b) => b.perCall), 50),
  'batch steps/s med': median(batches.map((b) => b.stepsPerSecond)),
  'hostile step ms': median(stalls.map((s) => s.hostileMs)),
  'victim step ms': median(stalls.map((s) => s.victimMs)),
});
