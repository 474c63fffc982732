import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '@flowsteer/core';
import { DEFAULT_TRAIN_CONFIG, Trainer, groupAdvantages, rolloutGroups, turnSamplesToJsonl } from '@flowsteer/cwrpo';
import { CliUsageError } from '../errors.js';
import { boot, positiveInt, nonNegativeInt, type CliIo, type GlobalOptions } from './shared.js';

interface ExportOptions {
  out: string;
  from?: string;
  untrained?: boolean;
  groups: number;
  groupSize: number;
  seed: number;
}

/** Rolls out the local policy of a checkpoint on simulated tasks and writes per-turn samples. */
async function exportSamples(options: ExportOptions, signal: AbortSignal): Promise<{ samples: number; episodes: number }> {
  let dir = options.from;
  let scratch: string | undefined;
  if (dir === undefined) {
    if (options.untrained !== true) throw new CliUsageError('--from DIR (a `flowsteer train --out DIR` run) is required; pass --untrained to export an untrained policy on purpose');
    scratch = await mkdtemp(join(tmpdir(), 'flowsteer-export-'));
    dir = scratch;
  } else if (!existsSync(Trainer.checkpointPath(dir))) {
    throw new CliUsageError(`--from ${dir} holds no CWRPO checkpoint (${Trainer.checkpointPath(dir)}); train one with \`flowsteer train --out ${dir}\``);
  }
  try {
    const { trainer } = await Trainer.open(dir, { ...DEFAULT_TRAIN_CONFIG, seed: options.seed });
    const tasks = trainer.simulator.taskSet(options.groups, options.seed);
    const groups = await rolloutGroups((t, g) => trainer.policy('sample', options.seed * 1000 + t * 100 + g), tasks, options.groupSize, { ...trainer.rolloutOptions(), keepText: true, signal });
    for (const group of groups) {
      const advantages = groupAdvantages(group.map((t) => t.reward.total));
      group.forEach((t, i) => (t.advantage = advantages[i] as number));
    }
    const text = turnSamplesToJsonl(groups.flat(), { tokenIds: 'mlp-action' });
    await writeFileAtomic(options.out, text);
    return { samples: text === '' ? 0 : text.trimEnd().split('\n').length, episodes: groups.flat().length };
  } finally {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  }
}

/** `flowsteer export-trajectories`. */
export function registerExportTrajectories(program: Command, io: CliIo): void {
  program
    .command('export-trajectories')
    .description('roll out a trained local policy on simulated tasks and write per-turn samples (format flowsteer.turn-sample) as JSONL for LLM RL engines')
    .requiredOption('--out <file>', 'JSONL output')
    .option('--from <dir>', 'a `flowsteer train` run directory whose checkpoint to use (required unless --untrained)')
    .option('--untrained', 'export a freshly initialised policy (no checkpoint)')
    .option('--groups <n>', 'tasks', (v) => positiveInt(v, '--groups'), 4)
    .option('--group-size <n>', 'rollouts per task', (v) => positiveInt(v, '--group-size'), 4)
    .option('--seed <n>', 'random seed', (v) => nonNegativeInt(v, '--seed'), 7)
    .action(async (options: ExportOptions) => {
      await boot(io, program.opts<GlobalOptions>());
      const { samples, episodes } = await exportSamples(options, new AbortController().signal);
      io.stdout(`wrote ${samples} turn samples from ${episodes} episodes to ${options.out}\n`);
    });
}
