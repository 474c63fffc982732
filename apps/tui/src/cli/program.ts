import { Command, CommanderError } from 'commander';
import { CORE_VERSION, describeError, isFlowSteerError, terminalSafe } from '@flowsteer/core';
import { formatPluginReport } from '../format.js';
import { CliUsageError } from '../errors.js';
import { boot, defaultIo, ExitCode, type CliIo, type GlobalOptions } from './shared.js';
import { registerTui } from './tui.js';
import { registerSessions } from './sessions.js';
import { registerPlugins } from './plugins.js';
import { registerConfig } from './config.js';
import { registerRun } from './run.js';
import { registerTrain } from './train.js';
import { registerExportTrajectories } from './export-trajectories.js';
import { registerServeEnv } from './serve-env.js';
import { registerScore } from './score.js';
import { registerEval } from './eval.js';
import { registerEvalReport } from './eval-report.js';
import { registerCanvas } from './canvas.js';
import { registerDsl } from './dsl.js';

/**
 * Every byte a command prints passes here: model answers, tool output, file contents and error
 * messages are hostile to a terminal, so escape sequences never reach it (JSON stays valid: it
 * carries no raw control characters, see writeJson).
 */
export function safeIo(io: CliIo): CliIo {
  return {
    ...io,
    stdout: (text) => io.stdout(terminalSafe(text, { keepTabs: true })),
    stderr: (text) => io.stderr(terminalSafe(text, { keepTabs: true, keepCarriageReturns: true })),
  };
}

/** Errors from the operating system, said in words with what to do. */
function systemErrorMessage(error: unknown): string | undefined {
  const e = error as NodeJS.ErrnoException & { port?: number; address?: string };
  if (typeof e !== 'object' || e === null || typeof e.code !== 'string') return undefined;
  const where = e.port === undefined ? '' : ` port ${e.port}${e.address === undefined ? '' : ` on ${e.address}`}`;
  switch (e.code) {
    case 'EADDRINUSE':
      return `${where.trim() === '' ? 'the address' : where.trim()} is already in use: stop what listens there or pick another with --port`;
    case 'EACCES':
      return e.syscall === 'listen' ? `not allowed to listen on${where}: ports below 1024 need privileges, pick another with --port` : `permission denied: ${e.path ?? e.message}`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on${where}: no such address on this machine (try --host 127.0.0.1)`;
    case 'ENOENT':
      return `no such file or directory: ${e.path ?? e.message}`;
    case 'ECONNREFUSED':
      return `connection refused${where}: is the server running?`;
    default:
      return undefined;
  }
}

export function buildProgram(unsafeIo: CliIo = defaultIo): Command {
  const io = safeIo(unsafeIo);
  const program = new Command('flowsteer')
    .description('Interactive agentic workflow orchestration trained by reinforcement learning')
    .version(CORE_VERSION, '-V, --version')
    .option('-c, --config <file>', 'config file (default: nearest flowsteer.config.json, or $FLOWSTEER_CONFIG)')
    .option('--set <key=value>', 'override a config key, e.g. --set executor.model=gpt-4o-mini (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--cwd <dir>', 'run as if started in <dir>')
    .showHelpAfterError()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  program.action(async () => {
    const host = await boot(io, program.opts<GlobalOptions>());
    if (io.interactive) {
      const { launchTui } = await import('../tui/launch.js');
      const outcome = await launchTui(host, {}, host.config.config.canvas);
      if (outcome.how === 'interrupt') process.exitCode = ExitCode.Interrupted;
      return;
    }
    // Not a terminal (a pipe, a script): print what a person would need instead of a screen.
    io.stdout(program.helpInformation());
    io.stdout(`\n${formatPluginReport(host.plugins)}\n`);
  });

  for (const register of [registerTui, registerSessions, registerPlugins, registerConfig, registerRun, registerTrain, registerExportTrajectories, registerServeEnv, registerScore, registerEval, registerEvalReport, registerCanvas, registerDsl]) {
    register(program, io);
  }
  return program;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function runCli(argv: readonly string[], unsafeIo: CliIo = defaultIo): Promise<number> {
  const program = buildProgram(unsafeIo);
  const io = safeIo(unsafeIo);
  try {
    process.exitCode = undefined;
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.Ok;
      if (error.code === 'flowsteer.badSet') io.stderr(`error: ${error.message}\n`);
      return ExitCode.Usage;
    }
    if (error instanceof CliUsageError) {
      io.stderr(`error: ${error.message}\n`);
      return ExitCode.Usage;
    }
    if (isFlowSteerError(error) && error.code === 'ABORTED') {
      io.stderr('interrupted\n');
      return ExitCode.Interrupted;
    }
    if (isFlowSteerError(error)) {
      io.stderr(`error [${error.code}]: ${error.message}\n`);
      return error.code === 'CONFIG_INVALID' || error.code === 'VALIDATION_FAILED' ? ExitCode.Usage : ExitCode.Failure;
    }
    const system = systemErrorMessage(error);
    io.stderr(`error: ${system ?? describeError(error)}\n`);
    return ExitCode.Failure;
  }
}
