#!/usr/bin/env node
// @ts-check
// Benchmark: the CWRPO multi-seed study at full size — the study of
// `flowsteer train --env sim --seeds 1,2,3,4,5 --out DIR`, with the seeds spread over `--jobs`
// processes: CWRPO and plain-correctness GRPO per seed, the best template per family,
// random-until-finish and the simulator ceiling, mean ± sd across seeds.
// Usage: node tools/bench/cwrpo-seeds.mjs [--seeds 1,2,3,4,5] [--updates 200] [--jobs 2] [--out DIR]
// Without --out the runs go to a temporary directory that is removed afterwards.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TRAIN_CONFIG, formatStudy, runStudy } from '@flowsteer/cwrpo';

const argv = process.argv.slice(2);
/** @param {string} name @param {string} fallback */
const option = (name, fallback) => {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 && argv[index + 1] !== undefined ? /** @type {string} */ (argv[index + 1]) : fallback;
};
const seeds = option('seeds', '1,2,3,4,5').split(',').map(Number);
const updates = Number(option('updates', String(DEFAULT_TRAIN_CONFIG.updates)));
const jobs = Number(option('jobs', '2'));
if (seeds.some((s) => !Number.isInteger(s) || s < 0) || !Number.isInteger(updates) || updates < 1 || !Number.isInteger(jobs) || jobs < 1) {
  throw new Error('--seeds takes a comma-separated list of integers, --updates and --jobs positive integers');
}

if (argv.includes('--child')) {
  // One share of the seeds, as JSON on stdout.
  const study = await runStudy({ seeds, dir: option('out', ''), config: { updates } });
  process.stdout.write(JSON.stringify(study));
} else {
  const out = option('out', '');
  const dir = out === '' ? await mkdtemp(join(tmpdir(), 'cwrpo-seeds-')) : out;
  const started = performance.now();
  try {
    const shares = Array.from({ length: Math.min(jobs, seeds.length) }, (_, j) => seeds.filter((_, i) => i % jobs === j));
    const studies = await Promise.all(
      shares.map(
        (share) =>
          new Promise((resolve, reject) => {
            const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', '--seeds', share.join(','), '--updates', String(updates), '--out', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
            let text = '';
            child.stdout.on('data', (chunk) => (text += chunk));
            child.on('error', reject);
            child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`seeds ${share.join(',')} exited with ${code}`))));
          }),
      ),
    );
    const first = /** @type {import('@flowsteer/cwrpo').StudyResult} */ (studies[0]);
    const all = studies.flatMap((s) => /** @type {import('@flowsteer/cwrpo').StudyResult} */ (s).seeds).sort((a, b) => seeds.indexOf(a.seed) - seeds.indexOf(b.seed));
    process.stdout.write(`${formatStudy({ ...first, seeds: all })}\n\nwall time ${((performance.now() - started) / 1000).toFixed(0)} s (${shares.length} processes)\n`);
  } finally {
    if (out === '') await rm(dir, { recursive: true, force: true });
  }
}
