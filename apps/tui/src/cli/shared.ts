import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { z } from 'zod';
import { bootHost, CORE_VERSION, PLUGIN_API_VERSION, terminalSafeJson, type PluginReport } from '@flowsteer/core';
import { CliUsageError } from '../errors.js';

/** Exit codes scripts can rely on. */
export const ExitCode = { Ok: 0, Failure: 1, Usage: 2, Interrupted: 130 } as const;

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: () => Promise<string>;
  /** True when a person is at a terminal (the bare command opens the app). */
  readonly interactive: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
  stdin: readStdin,
  interactive: process.stdout.isTTY === true && process.stdin.isTTY === true,
};

/** Where this app is installed: plugins installed beside it are discovered too. */
const appRoot = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

export interface GlobalOptions {
  readonly config?: string;
  readonly set: string[];
  readonly cwd?: string;
}

export function parseSet(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function overridesFrom(pairs: readonly string[]): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CommanderError(ExitCode.Usage, 'flowsteer.badSet', `--set expects key=value, got "${pair}"`);
    overrides[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return overrides;
}

/** Settings of the interactive app's canvas (the reference training values by default). */
export const CanvasConfigSection = z
  .object({
    maxRounds: z.number().int().min(1).max(100).default(20),
    minOperators: z.number().int().min(0).default(5),
    requireChecker: z.boolean().default(true),
    requireStructure: z.boolean().default(true),
  })
  .strict()
  .prefault({});

/** Every command boots the same host: config, plugins, container. */
export async function boot(io: CliIo, options: GlobalOptions) {
  return bootHost({
    sections: { canvas: CanvasConfigSection },
    cwd: options.cwd ?? io.cwd,
    env: io.env,
    ...(options.config === undefined ? {} : { file: options.config }),
    overrides: overridesFrom(options.set),
    pluginRoots: [appRoot],
  });
}

export function writeJson(io: CliIo, value: unknown): void {
  io.stdout(`${terminalSafeJson(value, 2)}\n`);
}

export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CliUsageError(`${flag} expects a non-negative integer, got "${value}"`);
  return n;
}

export function pluginListJson(report: PluginReport): Record<string, unknown> {
  return {
    host: { name: '@flowsteer/core', version: CORE_VERSION, apiVersion: PLUGIN_API_VERSION },
    loaded: report.loaded,
    skipped: report.skipped,
  };
}
