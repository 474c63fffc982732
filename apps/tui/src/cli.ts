import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { bootHost, CORE_VERSION, isFlowSteerError, PLUGIN_API_VERSION, describeError, type PluginReport } from '@flowsteer/core';
import { formatPluginReport } from './format.js';

/** Exit codes scripts can rely on. */
export const ExitCode = { Ok: 0, Failure: 1, Usage: 2 } as const;

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
};

/** Where this app is installed: plugins installed beside it are discovered too. */
const appRoot = dirname(dirname(fileURLToPath(import.meta.url)));

interface GlobalOptions {
  readonly config?: string;
  readonly set: string[];
  readonly cwd?: string;
}

function parseSet(value: string, previous: string[]): string[] {
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

async function boot(io: CliIo, options: GlobalOptions) {
  return bootHost({
    cwd: options.cwd ?? io.cwd,
    env: io.env,
    ...(options.config === undefined ? {} : { file: options.config }),
    overrides: overridesFrom(options.set),
    pluginRoots: [appRoot],
  });
}

function writeJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

export function buildProgram(io: CliIo = defaultIo): Command {
  const program = new Command('flowsteer')
    .description('Interactive agentic workflow orchestration trained by reinforcement learning')
    .version(CORE_VERSION, '-V, --version')
    .option('-c, --config <file>', 'config file (default: nearest flowsteer.config.json, or $FLOWSTEER_CONFIG)')
    .option('--set <key=value>', 'override a config key, e.g. --set executor.model=gpt-4o-mini (repeatable)', parseSet, [] as string[])
    .option('--cwd <dir>', 'run as if started in <dir>')
    .showHelpAfterError()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  program.action(async () => {
    const host = await boot(io, program.opts<GlobalOptions>());
    io.stdout(program.helpInformation());
    io.stdout(`\n${formatPluginReport(host.plugins)}\n`);
  });

  const plugins = program.command('plugins').description('inspect FlowSteer plugins');
  plugins
    .command('list')
    .description('list discovered plugins with versions, what they provide, and why any were skipped')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      if (options.json === true) writeJson(io, pluginListJson(host.plugins));
      else io.stdout(`${formatPluginReport(host.plugins)}\n`);
    });

  const config = program.command('config').description('inspect configuration');
  config
    .command('show')
    .description('print the resolved configuration and where each explicitly set key came from')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      const redacted = JSON.parse(JSON.stringify(host.config.config, (key, value: unknown) => (key === 'apiKey' && typeof value === 'string' ? '***' : value))) as unknown;
      const payload = { file: host.config.file ?? null, config: redacted, provenance: Object.fromEntries(host.config.provenance) };
      if (options.json === true) writeJson(io, payload);
      else io.stdout(`config file: ${payload.file ?? '(none)'}\n${JSON.stringify(redacted, null, 2)}\n`);
    });

  return program;
}

export function pluginListJson(report: PluginReport): Record<string, unknown> {
  return {
    host: { name: '@flowsteer/core', version: CORE_VERSION, apiVersion: PLUGIN_API_VERSION },
    loaded: report.loaded,
    skipped: report.skipped,
  };
}

/** Runs the CLI and returns the exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.Ok;
      if (error.code === 'flowsteer.badSet') io.stderr(`error: ${error.message}\n`);
      return ExitCode.Usage;
    }
    if (isFlowSteerError(error)) {
      io.stderr(`error [${error.code}]: ${error.message}\n`);
      return error.code === 'CONFIG_INVALID' ? ExitCode.Usage : ExitCode.Failure;
    }
    io.stderr(`error: ${describeError(error)}\n`);
    return ExitCode.Failure;
  }
}
