#!/usr/bin/env node
// @ts-check
// Benchmark: the usage ledger over a long run. Records N calls (7 nodes, 3 operators, 13 turns)
// and reports the heap it keeps after a forced GC, CPU µs per record and ms per `total()` /
// `byNode()` read, for this build (default retention and unbounded) and a baseline ref's
// `usage.ts` (compiled from git with the workspace's TypeScript), each in its own process,
// alternating, so both see the same machine.
// Usage: node tools/bench/usage-ledger.mjs [--calls 1000000] [--rounds 3] [--baseline REF]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defaultBaselineRef } from './canvas-baseline.mjs';
import { median, report } from './stats.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const flag = (/** @type {string} */ name, /** @type {string} */ fallback) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 && argv[at + 1] !== undefined ? String(argv[at + 1]) : fallback;
};

if (argv[0] === '--child') {
  // One measurement: argv = --child <module> <calls> <reads> <retain|default>
  const [, modulePath, callsText, readsText, retain] = argv;
  const { UsageLedger } = await import(String(modulePath));
  const calls = Number(callsText);
  const reads = Number(readsText);
  const gc = /** @type {() => void} */ (globalThis.gc);
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const entry = (/** @type {number} */ i) => ({ nodeId: `node_${i % 7}`, operator: ['Plan', 'Custom', 'Review'][i % 3], turn: i % 13, usage: { promptTokens: i % 97, completionTokens: i % 31, totalTokens: (i % 97) + (i % 31) }, latencyMs: i % 1000 });
  const before = heap();
  const ledger = retain === 'default' ? new UsageLedger() : new UsageLedger({ retainEntries: Number(retain) });
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) ledger.record(entry(i));
  const recordCpu = process.cpuUsage(start);
  const kept = heap() - before;
  const perRead = (/** @type {() => unknown} */ read) => {
    const c = process.cpuUsage();
    for (let i = 0; i < reads; i++) read();
    const d = process.cpuUsage(c);
    return (d.user + d.system) / 1000 / reads;
  };
  const totalMs = perRead(() => ledger.total());
  const byNodeMs = perRead(() => ledger.byNode());
  if (ledger.total().calls !== calls) throw new Error(`total() counted ${ledger.total().calls} of ${calls} calls`);
  console.log(JSON.stringify({ heapMiB: kept / 2 ** 20, recordUs: (recordCpu.user + recordCpu.system) / calls, totalMs, byNodeMs }));
  process.exit(0);
}

/** The baseline's usage.ts, compiled alone (it imports nothing). @param {string} ref */
function baselineModule(ref) {
  const git = (/** @type {string[]} */ args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' });
  const sha = git(['rev-parse', '--verify', `${ref}^{commit}`]).trim();
  const dir = join(root, 'node_modules', '.cache', 'flowsteer-bench', `usage-${sha.slice(0, 12)}`);
  mkdirSync(dir, { recursive: true });
  const ts = createRequire(join(root, 'package.json'))('typescript');
  const source = git(['show', `${sha}:packages/core/src/usage.ts`]);
  const out = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const file = join(dir, 'usage.mjs');
  writeFileSync(file, out);
  return { sha, url: pathToFileURL(file).href };
}

const calls = Number(flag('calls', '1000000'));
const rounds = Number(flag('rounds', '3'));
const baseline = baselineModule(flag('baseline', defaultBaselineRef()));
const current = pathToFileURL(join(root, 'packages', 'core', 'dist', 'usage.js')).href;
// The baseline's reads scan every entry, so it gets few of them.
const variants = [
  { name: `baseline ${baseline.sha.slice(0, 7)}`, module: baseline.url, reads: 3, retain: 'default' },
  { name: 'this build, default retention', module: current, reads: 10_000, retain: 'default' },
  { name: 'this build, retainEntries Infinity', module: current, reads: 10_000, retain: 'Infinity' },
];
/** @type {Map<string, Array<{ heapMiB: number; recordUs: number; totalMs: number; byNodeMs: number }>>} */
const results = new Map(variants.map((v) => [v.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const v of variants) {
    const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', v.module, String(calls), String(v.reads), v.retain], { encoding: 'utf8' });
    results.get(v.name)?.push(JSON.parse(out));
  }
}
const base = /** @type {Array<{ heapMiB: number; totalMs: number }>} */ (results.get(variants[0]?.name ?? ''));
for (const v of variants) {
  const runs = results.get(v.name) ?? [];
  const pick = (/** @type {'heapMiB' | 'recordUs' | 'totalMs' | 'byNodeMs'} */ key) => median(runs.map((r) => r[key]));
  report(`usage ledger, ${calls} calls recorded: ${v.name}`, {
    'heap MiB': pick('heapMiB'),
    'µs per record': pick('recordUs'),
    'ms per total()': pick('totalMs'),
    'ms per byNode()': pick('byNodeMs'),
    'heap vs baseline': pick('heapMiB') / median(base.map((r) => r.heapMiB)),
    'total() speed-up': median(base.map((r) => r.totalMs)) / pick('totalMs'),
    rounds,
  });
}
