#!/usr/bin/env node
// @ts-check
// Benchmark: CWRPO on the workflow simulator — rollouts per second and update time per group.
// Usage: node tools/bench/cwrpo.mjs [--updates 10] [--groups 8] [--group-size 8]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TRAIN_CONFIG, Trainer } from '@flowsteer/cwrpo';
import { median, parseArgs, percentile, report } from './stats.mjs';

const args = parseArgs(process.argv.slice(2), { updates: 10, groups: 8, 'group-size': 8 });
const dir = await mkdtemp(join(tmpdir(), 'cwrpo-bench-'));
try {
  const { trainer } = await Trainer.open(dir, { ...DEFAULT_TRAIN_CONFIG, updates: args.updates, groups: args.groups, groupSize: args['group-size'] });
  /** @type {number[]} */
  const rolloutRates = [];
  /** @type {number[]} */
  const updateMsPerGroup = [];
  await trainer.run({
    onUpdate: (m) => {
      rolloutRates.push((args.groups * args['group-size']) / m.rolloutSeconds);
      updateMsPerGroup.push((m.updateSeconds * 1000) / args.groups);
    },
  });
  report(`cwrpo on the simulator (${args.groups} groups x ${args['group-size']} rollouts per update, ${args.updates} updates)`, {
    'rollouts/s median': median(rolloutRates),
    'rollouts/s p10': percentile(rolloutRates, 10),
    'update ms/group med': median(updateMsPerGroup),
    'update ms/group p90': percentile(updateMsPerGroup, 90),
    updates: args.updates,
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
