import type { Command } from 'commander';
import { readInput } from '../commands/canvas.js';
import { formatRunReport, parsePromptFlags, runWorkflow } from '../commands/run.js';
import { boot, writeJson, positiveInt, nonNegativeInt, parseSet, ExitCode, type GlobalOptions, type CliIo } from './shared.js';

/** `flowsteer run`. */
export function registerRun(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('execute a workflow on a task with the executor executor.use names (default: the workflow executor on the executor model) and print the answer, per-node outputs and the usage ledger')
    .requiredOption('--task <text>', 'the task')
    .requiredOption('--workflow <dsl>', 'workflow DSL, e.g. "Plan -> Programmer -> Verify ? Revise : done -> Format"')
    .option('--type <type>', 'problem type: math, code, qa, reasoning', 'reasoning')
    .option('--prompt <node=text>', "a node's prompt, e.g. --prompt node_2='Use integer arithmetic' (repeatable)", parseSet, [] as string[])
    .option('--backend <name>', 'executor backend plugin (sets executor.backend)')
    .option('--model <name>', 'executor model (sets executor.model)')
    .option('--base-url <url>', 'OpenAI-compatible endpoint (sets executor.baseUrl)')
    .option('--cassette <file>', 'replay from a cassette (sets executor.backend=replay)')
    .option('--record <file>', 'record every executor call to a cassette')
    .option('--entry-point <name>', 'code tasks: the function under test')
    .option('--tests <file>', 'code tasks: a file of unit tests (asserts or check(candidate))')
    .option('--sandbox <name>', 'Python sandbox for code operators: system-python (isolated, the default), system-python-numpy (with numpy and pandas) or a plugin\'s (sets sandbox.use)')
    .option('--node-timeout <ms>', 'timeout of one node attempt', (v) => positiveInt(v, '--node-timeout'), 120_000)
    .option('--retries <n>', 'extra attempts after a timeout or retryable backend error', (v) => nonNegativeInt(v, '--retries'), 2)
    .option('--json', 'machine-readable output')
    .action(async (options: { task: string; workflow: string; type: string; prompt: string[]; backend?: string; model?: string; baseUrl?: string; cassette?: string; record?: string; entryPoint?: string; tests?: string; sandbox?: string; nodeTimeout: number; retries: number; json?: boolean }) => {
      const global = program.opts<GlobalOptions>();
      const extra = [
        ...(options.cassette !== undefined ? ['executor.backend=replay', `executor.options=${JSON.stringify({ cassette: options.cassette })}`] : []),
        ...(options.backend !== undefined ? [`executor.backend=${options.backend}`] : []),
        ...(options.model !== undefined ? [`executor.model=${options.model}`] : []),
        ...(options.baseUrl !== undefined ? [`executor.baseUrl=${options.baseUrl}`] : []),
        ...(options.sandbox !== undefined ? [`sandbox.use=${options.sandbox}`] : []),
      ];
      const host = await boot(io, { ...global, set: [...global.set, ...extra] });
      const tests = options.tests === undefined ? undefined : await readInput(options.tests, io.stdin);
      const controller = new AbortController();
      const onSigint = (): void => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      try {
        const report = await runWorkflow(host, {
          task: options.task,
          workflow: options.workflow,
          type: options.type,
          prompts: parsePromptFlags(options.prompt),
          nodeTimeoutMs: options.nodeTimeout,
          retries: options.retries,
          signal: controller.signal,
          ...(options.entryPoint === undefined ? {} : { entryPoint: options.entryPoint }),
          ...(tests === undefined ? {} : { tests }),
          ...(options.record === undefined ? {} : { record: options.record }),
          ...(options.json === true ? {} : { onProgress: (line: string) => io.stderr(`${line}\n`) }),
        });
        if (options.json === true) writeJson(io, report);
        else io.stdout(`${formatRunReport(report)}\n`);
        if (!report.success) process.exitCode = ExitCode.Failure;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
