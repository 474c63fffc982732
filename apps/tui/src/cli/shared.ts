import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { bootHost, CanvasSettingsSchema, CORE_VERSION, PLUGIN_API_VERSION, terminalSafeJson, type Host, type PluginReport, type Sandbox } from '@flowsteer/core';
import { CliUsageError } from '../errors.js';
import { registerBuiltins } from '../session/builtins.js';
import { ds1000Option } from '../session/ds1000.js';
import { openConfiguredSandbox } from '../session/sandbox.js';

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

/** The one canvas section (core's `canvas`), kept under its old name for importers. */
export const CanvasConfigSection = CanvasSettingsSchema;

/**
 * Every command boots the same host: config (warnings to stderr), the app's built-in slot
 * implementations, then plugins, then the container.
 */
export async function boot(io: CliIo, options: GlobalOptions) {
  let booted: Host<Record<never, never>> | undefined;
  // Built-ins register before the host exists; the pass@1 scorer reaches the sandbox slot once it does.
  const sandbox = async (): Promise<Sandbox> => {
    if (booted === undefined) throw new Error('the host is not booted yet');
    return openConfiguredSandbox(booted, `pass@1 needs a sandbox: "${booted.config.config.sandbox.use}" (sandbox.use)`);
  };
  booted = await bootHost({
    cwd: options.cwd ?? io.cwd,
    env: io.env,
    ...(options.config === undefined ? {} : { file: options.config }),
    overrides: overridesFrom(options.set),
    pluginRoots: [appRoot],
    builtins: (registries) => registerBuiltins(registries, { sandbox, codeScoring: (opened) => (booted === undefined ? {} : ds1000Option(booted, opened)) }),
    onWarning: (message) => io.stderr(`warning: ${message}\n`),
  });
  return booted;
}

export function writeJson(io: CliIo, value: unknown): void {
  io.stdout(`${terminalSafeJson(value, 2)}\n`);
}

function integer(value: string): number | undefined {
  const n = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** For counts and durations where 0 makes no sense (`--groups`, `--node-timeout`, `--port`, …). */
export function positiveInt(value: string, flag: string): number {
  const n = integer(value);
  if (n === undefined || n < 1) throw new CliUsageError(`${flag} expects a positive integer, got "${value}"`);
  return n;
}

/** For values where 0 is meaningful (`--seed 0`, `--retries 0`, `--min-operators 0`). */
export function nonNegativeInt(value: string, flag: string): number {
  const n = integer(value);
  if (n === undefined || n < 0) throw new CliUsageError(`${flag} expects a non-negative integer, got "${value}"`);
  return n;
}

export function pluginListJson(report: PluginReport): Record<string, unknown> {
  return {
    host: { name: '@flowsteer/core', version: CORE_VERSION, apiVersion: PLUGIN_API_VERSION },
    loaded: report.loaded,
    skipped: report.skipped,
  };
}
