#!/usr/bin/env node
// @ts-check
// Benchmark: the CWRPO multi-seed study at full size (the same study as
// `flowsteer train --env sim --seeds 1,2,3,4,5 --out DIR`): CWRPO and plain-correctness GRPO per
// seed, the best template per family, random-until-finish and the simulator ceiling, mean ± sd.
// Usage: node tools/bench/cwrpo-seeds.mjs [--seeds 1,2,3,4,5] [--updates 200] [--out DIR]
// Without --out the runs go to a temporary directory that is removed afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TRAIN_CONFIG, formatStudy, runStudy } from '@flowsteer/cwrpo';

const argv = process.argv.slice(2);
/** @param {string} name @param {string} fallback */
const option = (name, fallback) => {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 && argv[index + 1] !== undefined ? /** @type {string} */ (argv[index + 1]) : fallback;
};
const seeds = option('seeds', '1,2,3,4,5').split(',').map(Number);
const updates = Number(option('updates', String(DEFAULT_TRAIN_CONFIG.updates)));
if (seeds.some((s) => !Number.isInteger(s) || s < 0) || !Number.isInteger(updates) || updates < 1) throw new Error('--seeds takes a comma-separated list of integers, --updates a positive integer');
const out = option('out', '');
const dir = out === '' ? await mkdtemp(join(tmpdir(), 'cwrpo-seeds-')) : out;
const started = performance.now();
try {
  const study = await runStudy({ seeds, dir, config: { updates }, onProgress: (message) => process.stderr.write(`${message}\n`) });
  process.stdout.write(`${formatStudy(study)}\n\nwall time ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
} finally {
  if (out === '') await rm(dir, { recursive: true, force: true });
}
