import type { Command } from 'commander';
import { CliUsageError } from '../errors.js';
import { checkPolicyName, type PolicyChoice } from '../session/runtime.js';
import { boot, ExitCode, type GlobalOptions, type CliIo } from './shared.js';

/** `flowsteer tui`. */
export function registerTui(program: Command, io: CliIo): void {
  program
    .command('tui')
    .description('open the interactive orchestration app (what `flowsteer` opens in a terminal)')
    .option('--task <text>', 'start right away with this task')
    .option('--type <type>', 'problem type: math, qa, code, reasoning', 'math')
    .option('--policy <name>', 'a registered policy: auto, llm, onnx, human, template:NAME, a plugin\'s (default: policy.use from config)')
    .option('--resume [id]', 'resume a saved session: an id, latest, or no value to pick one on screen')
    .action(async (options: { task?: string; type: string; policy?: string; resume?: string | true }) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      if (options.policy !== undefined) checkPolicyName(host, options.policy);
      if (!io.interactive) throw new CliUsageError('the interactive app needs a terminal; for scripts use flowsteer run, canvas replay or serve-env');
      const { launchTui } = await import('../tui/launch.js');
      const outcome = await launchTui(host, {
        ...(options.policy === undefined ? {} : { policy: options.policy as PolicyChoice }),
        type: options.type,
        ...(options.task === undefined ? {} : { task: options.task }),
        ...(options.resume === undefined ? {} : { resume: options.resume === true ? '' : options.resume }),
      }, host.config.config.canvas);
      if (outcome.how === 'interrupt') process.exitCode = ExitCode.Interrupted;
    });
}
