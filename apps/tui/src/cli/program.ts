import { Command, CommanderError } from 'commander';
import { CORE_VERSION, describeError, isFlowSteerError } from '@flowsteer/core';
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

export function buildProgram(io: CliIo = defaultIo): Command {
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
      const outcome = await launchTui(host, { policy: 'auto' }, host.config.config.canvas);
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
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const program = buildProgram(io);
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
    if (isFlowSteerError(error)) {
      io.stderr(`error [${error.code}]: ${error.message}\n`);
      return error.code === 'CONFIG_INVALID' || error.code === 'VALIDATION_FAILED' ? ExitCode.Usage : ExitCode.Failure;
    }
    io.stderr(`error: ${describeError(error)}\n`);
    return ExitCode.Failure;
  }
}
