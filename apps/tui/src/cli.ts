import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import { bootHost, CORE_VERSION, isFlowSteerError, PLUGIN_API_VERSION, describeError, type PluginReport } from '@flowsteer/core';
import { formatPluginReport } from './format.js';
import { CliUsageError } from './errors.js';
import { dslParse, dslRender, formatReplay, parseTranscript, readInput, replayTranscript } from './commands/canvas.js';
import { formatRunReport, parsePromptFlags, runWorkflow } from './commands/run.js';
import { EnvServer, exportSimTrajectories, formatProgress, formatTrainReport, trainCommand } from './commands/train.js';
import { listSessions, type SessionSnapshot } from './session/session.js';
import { addPlugins, formatAddReport, newPlugin } from './commands/plugins.js';
import { checkMetric, evalCommand, evalReportCommand, parseScoreBatch, readTextFile, scoreCommand } from './commands/evaluate.js';
import type { PolicyChoice } from './session/runtime.js';
import { Tokens, resolveToken } from '@flowsteer/core';

/** Exit codes scripts can rely on. */
export const ExitCode = { Ok: 0, Failure: 1, Usage: 2 } as const;

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

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
  stdin: readStdin,
  interactive: process.stdout.isTTY === true && process.stdin.isTTY === true,
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

async function boot(io: CliIo, options: GlobalOptions) {
  return bootHost({
    sections: { canvas: CanvasConfigSection },
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
    if (io.interactive) {
      const { launchTui } = await import('./tui/launch.js');
      await launchTui(host, { policy: 'auto' }, host.config.config.canvas);
      return;
    }
    // Not a terminal (a pipe, a script): print what a person would need instead of a screen.
    io.stdout(program.helpInformation());
    io.stdout(`\n${formatPluginReport(host.plugins)}\n`);
  });

  program
    .command('tui')
    .description('open the interactive orchestration app (what `flowsteer` opens in a terminal)')
    .option('--task <text>', 'start right away with this task')
    .option('--type <type>', 'problem type: math, qa, code, reasoning', 'math')
    .option('--policy <name>', 'auto, llm, onnx, human, or template:NAME', 'auto')
    .option('--resume <id>', 'resume a saved session (see flowsteer sessions list)')
    .action(async (options: { task?: string; type: string; policy: string; resume?: string }) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      if (!io.interactive) throw new CliUsageError('the interactive app needs a terminal; for scripts use flowsteer run, canvas replay or serve-env');
      if (!['auto', 'llm', 'onnx', 'human'].includes(options.policy) && !options.policy.startsWith('template:')) {
        throw new CliUsageError(`--policy must be auto, llm, onnx, human or template:NAME, got "${options.policy}"`);
      }
      const { launchTui } = await import('./tui/launch.js');
      await launchTui(host, {
        policy: options.policy as PolicyChoice,
        type: options.type,
        ...(options.task === undefined ? {} : { task: options.task }),
        ...(options.resume === undefined ? {} : { resume: options.resume }),
      }, host.config.config.canvas);
    });

  const sessions = program.command('sessions').description('saved interactive sessions');
  sessions
    .command('list')
    .description('list saved sessions, newest first')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      const list = await listSessions(resolveToken(host.container, Tokens.Store));
      if (options.json === true) writeJson(io, list);
      else io.stdout(list.length === 0 ? 'no saved sessions\n' : `${list.map((s) => `${s.id}  ${s.updatedAt}  ${s.finished ? 'finished' : `${s.turns} turns`}  ${s.task.slice(0, 50)}  ${s.dsl}`).join('\n')}\n`);
    });
  sessions
    .command('export')
    .description("print a saved session's workflow as JSON, DSL or Mermaid")
    .argument('<id>', 'session id')
    .option('--format <format>', 'json, dsl or mermaid', 'dsl')
    .action(async (id: string, options: { format: string }) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      const snapshot = await resolveToken(host.container, Tokens.Store).get<SessionSnapshot>(`sessions/${id}`);
      if (snapshot === undefined) throw new CliUsageError(`no saved session "${id}"`);
      const { CanvasEnv, toMermaid } = await import('@flowsteer/canvas');
      const env = new CanvasEnv();
      env.restore(snapshot.canvas);
      if (options.format === 'dsl') io.stdout(`${env.graph.toDsl()}\n`);
      else if (options.format === 'mermaid') io.stdout(`${toMermaid(env.graph)}\n`);
      else if (options.format === 'json') writeJson(io, { task: snapshot.task, dsl: env.graph.toDsl(), nodes: env.graph.snapshot().nodes, prompts: env.graph.prompts(), final: snapshot.final ?? null });
      else throw new CliUsageError('--format must be json, dsl or mermaid');
    });

  const plugins = program.command('plugins').description('list, install and create FlowSteer plugins');
  plugins
    .command('list')
    .description('list discovered plugins with versions, what they provide, and why any were skipped')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      if (options.json === true) writeJson(io, pluginListJson(host.plugins));
      else io.stdout(`${formatPluginReport(host.plugins)}\n`);
    });
  plugins
    .command('add')
    .description('install plugin packages into this project with npm and report what the host now loads')
    .argument('<packages...>', 'npm package specs: names, name@version, tarballs or folders')
    .option('--json', 'machine-readable output')
    .action(async (specs: string[], options: { json?: boolean }) => {
      const global = program.opts<GlobalOptions>();
      const report = await addPlugins(specs, {
        cwd: global.cwd ?? io.cwd,
        discover: async () => (await boot(io, global)).plugins,
        // npm's progress goes to stderr so --json stdout stays clean.
        log: (text) => io.stderr(text),
      });
      if (options.json === true) writeJson(io, report);
      else io.stdout(formatAddReport(report));
      if (report.skipped.length > 0 || report.loaded.length === 0) process.exitCode = ExitCode.Failure;
    });
  plugins
    .command('new')
    .description('create a new plugin package (manifest, source, conformance tests, README) in a new folder')
    .argument('<name>', 'short name (e.g. weather) or full package name (flowsteer-operator-weather)')
    .option('--kind <kind>', 'operator or backend', 'operator')
    .option('--dir <path>', 'target folder (default: ./flowsteer-<kind>-<name>)')
    .option('--description <text>', 'one line for package.json and the README')
    .option('--json', 'machine-readable output')
    .action(async (name: string, options: { kind: string; dir?: string; description?: string; json?: boolean }) => {
      const global = program.opts<GlobalOptions>();
      const created = await newPlugin(name, { kind: options.kind, cwd: global.cwd ?? io.cwd, ...(options.dir === undefined ? {} : { dir: options.dir }), ...(options.description === undefined ? {} : { description: options.description }) });
      if (options.json === true) writeJson(io, created);
      else io.stdout(`created ${created.packageName} in ${created.directory}\n${created.files.map((f) => `  ${f}`).join('\n')}\nnext: cd ${created.directory} && npm install && npm run build && npm test\n`);
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

  program
    .command('run')
    .description('execute a workflow on a task and print the answer, per-node outputs and the usage ledger')
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
    .option('--sandbox <name>', 'Python sandbox for code operators: pyodide or system-python', 'pyodide')
    .option('--node-timeout <ms>', 'timeout of one node attempt', (v) => positiveInt(v, '--node-timeout'), 120_000)
    .option('--retries <n>', 'extra attempts after a timeout or retryable backend error', (v) => positiveInt(v, '--retries'), 2)
    .option('--json', 'machine-readable output')
    .action(async (options: { task: string; workflow: string; type: string; prompt: string[]; backend?: string; model?: string; baseUrl?: string; cassette?: string; record?: string; entryPoint?: string; tests?: string; sandbox: string; nodeTimeout: number; retries: number; json?: boolean }) => {
      const global = program.opts<GlobalOptions>();
      const extra = [
        ...(options.cassette !== undefined ? ['executor.backend=replay', `executor.options=${JSON.stringify({ cassette: options.cassette })}`] : []),
        ...(options.backend !== undefined ? [`executor.backend=${options.backend}`] : []),
        ...(options.model !== undefined ? [`executor.model=${options.model}`] : []),
        ...(options.baseUrl !== undefined ? [`executor.baseUrl=${options.baseUrl}`] : []),
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
          sandbox: options.sandbox,
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

  program
    .command('train')
    .description('train the local Flow-Director policy with CWRPO (checkpoints atomically; rerun the same command to resume)')
    .option('--env <name>', 'training environment (built in: sim, the workflow simulator)', 'sim')
    .requiredOption('--out <dir>', 'run directory: checkpoint.json, metrics.jsonl, policy.onnx, evaluation.json')
    .option('--groups <n>', 'tasks per update (GRPO groups)', (v) => positiveInt(v, '--groups'), 8)
    .option('--group-size <n>', 'rollouts per task', (v) => positiveInt(v, '--group-size'), 8)
    .option('--updates <n>', 'policy updates', (v) => positiveInt(v, '--updates'), 120)
    .option('--seed <n>', 'random seed', (v) => positiveInt(v, '--seed'), 7)
    .option('--reward <kind>', 'cwrpo (structure + conditionally released correctness) or correctness (plain baseline)', 'cwrpo')
    .option('--schedule <name>', 'reward schedule: reference, milestones, reference-loop-bug', 'reference')
    .option('--strict-finish', 'use the reference finish rules (5 operators, checker, structure)')
    .option('--eval-tasks <n>', 'held-out tasks for the final evaluation', (v) => positiveInt(v, '--eval-tasks'), 300)
    .option('--json', 'machine-readable output')
    .action(async (options: { env: string; out: string; groups: number; groupSize: number; updates: number; seed: number; reward: string; schedule: string; strictFinish?: boolean; evalTasks: number; json?: boolean }) => {
      const controller = new AbortController();
      const onSigint = (): void => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      try {
        const report = await trainCommand({
          ...options,
          strictFinish: options.strictFinish === true,
          signal: controller.signal,
          onNotice: (message) => io.stderr(`note: ${message}\n`),
          ...(options.json === true ? {} : { onProgress: (m, total) => io.stderr(`${formatProgress(m, total)}\n`) }),
        });
        if (options.json === true) writeJson(io, report);
        else io.stdout(`${formatTrainReport(report)}\n`);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });

  program
    .command('export-trajectories')
    .description('roll out the (trained) local policy on simulated tasks and write trajectories as JSONL for external RL engines')
    .requiredOption('--out <file>', 'JSONL output')
    .option('--from <dir>', 'a `flowsteer train` run directory whose policy to use')
    .option('--groups <n>', 'tasks', (v) => positiveInt(v, '--groups'), 4)
    .option('--group-size <n>', 'rollouts per task', (v) => positiveInt(v, '--group-size'), 4)
    .option('--seed <n>', 'random seed', (v) => positiveInt(v, '--seed'), 7)
    .action(async (options: { out: string; from?: string; groups: number; groupSize: number; seed: number }) => {
      const count = await exportSimTrajectories({ out: options.out, groups: options.groups, groupSize: options.groupSize, seed: options.seed, signal: new AbortController().signal, ...(options.from === undefined ? {} : { checkpointDir: options.from }) });
      io.stdout(`wrote ${count} trajectories to ${options.out}\n`);
    });

  program
    .command('serve-env')
    .description('serve the Workflow Canvas over HTTP (POST /reset, POST /step) for external trainers of LLM policies')
    .option('--port <n>', 'port', (v) => positiveInt(v, '--port'), 8765)
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--min-operators <n>', 'operators required to finish', (v) => positiveInt(v, '--min-operators'), 5)
    .option('--no-checker', 'do not require solver and checker operators to finish')
    .option('--no-structure', 'do not require a structure to finish')
    .action(async (options: { port: number; host: string; minOperators: number; checker: boolean; structure: boolean }) => {
      const server = new EnvServer({ canvas: { minOperators: options.minOperators, requireChecker: options.checker, requireStructure: options.structure } });
      const url = await server.listen(options.port, options.host);
      io.stdout(`serving the canvas at ${url} (POST /reset, POST /step, GET /health); Ctrl-C stops\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  program
    .command('score')
    .description('score predictions with a metric alone: one pair, or a JSONL batch ({metric, prediction, answer, test?, entry_point?})')
    .option('--metric <name>', 'math, f1, em, mc or pass@1')
    .option('--prediction <text>', 'the prediction')
    .option('--answer <text>', 'the reference answer (for pass@1 the tests go in --test)')
    .option('--test <file>', 'pass@1: unit tests (asserts or check(candidate))')
    .option('--entry-point <name>', 'pass@1: the function under test')
    .option('--batch <file>', 'JSONL file of records to score (- for standard input)')
    .option('--json', 'machine-readable output')
    .action(async (options: { metric?: string; prediction?: string; answer?: string; test?: string; entryPoint?: string; batch?: string; json?: boolean }) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      let lines;
      if (options.batch !== undefined) {
        lines = parseScoreBatch(await readInput(options.batch, io.stdin));
      } else {
        if (options.metric === undefined || options.prediction === undefined || (options.answer === undefined && options.test === undefined)) {
          throw new CliUsageError('give --metric, --prediction and --answer (or --test for pass@1), or --batch FILE');
        }
        checkMetric(options.metric);
        lines = [{ metric: options.metric, prediction: options.prediction, answer: options.answer ?? '', ...(options.test === undefined ? {} : { test: await readTextFile(options.test) }), ...(options.entryPoint === undefined ? {} : { entry_point: options.entryPoint }) }];
      }
      const results = await scoreCommand(host, lines);
      if (options.json === true || options.batch !== undefined) {
        if (options.batch !== undefined && options.json !== true) {
          for (const r of results) io.stdout(`${JSON.stringify(r)}\n`);
          const mean = results.reduce((a, r) => a + r.score, 0) / Math.max(1, results.length);
          io.stdout(`${results.length} scored, mean ${mean.toFixed(4)}, ${results.filter((r) => r.correct).length} correct\n`);
        } else writeJson(io, options.batch === undefined ? results[0] : results);
      } else {
        const r = results[0]!;
        io.stdout(`${r.metric}: score ${r.score.toFixed(4)} (${r.correct ? 'correct' : 'incorrect'}); extracted ${JSON.stringify(r.extracted)}${r.detail === undefined ? '' : `; ${r.detail}`}\n`);
      }
    });

  program
    .command('eval')
    .description('evaluate a policy on FlowSteer-Dataset JSONL files; resumable (rerun the same command), with a manifest and a markdown report')
    .requiredOption('--data <file>', 'dataset JSONL (repeatable)', parseSet, [] as string[])
    .requiredOption('--out <dir>', 'run directory: manifest.json, results.jsonl, report.md')
    .option('--policy <name>', 'auto, llm, onnx or template:NAME', 'auto')
    .option('--limit <n>', 'evaluate a seeded per-dataset subset of n problems', (v) => positiveInt(v, '--limit'))
    .option('--concurrency <n>', 'problems in flight', (v) => positiveInt(v, '--concurrency'), 4)
    .option('--seed <n>', 'seed for the subset', (v) => positiveInt(v, '--seed'), 42)
    .option('--json', 'machine-readable output')
    .action(async (options: { data: string[]; out: string; policy: string; limit?: number; concurrency: number; seed: number; json?: boolean }) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      const controller = new AbortController();
      const onSigint = (): void => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      try {
        const result = await evalCommand(host, {
          data: options.data,
          out: options.out,
          policy: options.policy as PolicyChoice,
          concurrency: options.concurrency,
          seed: options.seed,
          canvas: host.config.config.canvas,
          signal: controller.signal,
          ...(options.limit === undefined ? {} : { limit: options.limit }),
          ...(options.json === true ? {} : { onProgress: (line: string) => io.stderr(`${line}\n`) }),
        });
        if (options.json === true) writeJson(io, { manifest: result.manifest, summary: result.summary, resumed: result.resumed, report: result.reportPath });
        else io.stdout(`${result.resumed > 0 ? `resumed: ${result.resumed} problems were already scored\n` : ''}${result.report}\n\nreport: ${result.reportPath}\n`);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });

  program
    .command('eval-report')
    .description('print the markdown report of an eval run, optionally compared with another run')
    .argument('<dir>', 'run directory')
    .option('--compare <dir>', 'a baseline run directory')
    .action(async (dir: string, options: { compare?: string }) => {
      io.stdout(`${await evalReportCommand(dir, options.compare)}\n`);
    });

  const canvas = program.command('canvas').description('work with the Workflow Canvas');
  canvas
    .command('replay')
    .description('replay a transcript (JSONL, one raw policy output string per line) through a canvas with execution off')
    .argument('[file]', 'transcript file, or - for standard input', '-')
    .option('--task <text>', 'the task the policy was building for', '(no task given)')
    .option('--type <type>', 'problem type: math, code, qa, reasoning, mc', 'math')
    .option('--max-rounds <n>', 'round limit', (v) => positiveInt(v, '--max-rounds'), 20)
    .option('--min-operators <n>', 'operators required to finish', (v) => positiveInt(v, '--min-operators'), 5)
    .option('--no-checker', 'do not require solver and checker operators to finish')
    .option('--no-structure', 'do not require a parallel/conditional/loop block to finish')
    .option('--quirk <name>', 'reproduce a reference behaviour (repeatable; "reference" = all)', parseSet, [] as string[])
    .option('--snapshot <file>', 'write the final canvas snapshot (JSON) to <file>')
    .option('--json', 'machine-readable output')
    .action(async (file: string, options: { task: string; type: string; maxRounds: number; minOperators: number; checker: boolean; structure: boolean; quirk: string[]; snapshot?: string; json?: boolean }) => {
      const outputs = parseTranscript(await readInput(file, io.stdin));
      const report = await replayTranscript(outputs, {
        task: options.task,
        type: options.type,
        maxRounds: options.maxRounds,
        minOperators: options.minOperators,
        checker: options.checker,
        structure: options.structure,
        quirks: options.quirk,
        ...(options.snapshot === undefined ? {} : { snapshot: options.snapshot }),
      });
      if (options.json === true) writeJson(io, report);
      else io.stdout(`${formatReplay(report)}\n`);
    });

  const dsl = program.command('dsl').description('parse and render workflow DSL');
  dsl
    .command('parse')
    .description('parse a DSL string into graph nodes (errors name the column)')
    .argument('<dsl>', 'e.g. "Plan -> [Custom, Programmer] -> ScEnsemble -> Verify ? Revise : done"')
    .option('--reference', 'use the reference canvas-side parser (drops unknown parts, splits loops)')
    .option('--mermaid', 'print a Mermaid flowchart instead of JSON')
    .action((text: string, options: { reference?: boolean; mermaid?: boolean }) => {
      const parsed = dslParse(text, options.reference === true);
      if (options.mermaid === true) io.stdout(`${parsed.mermaid}\n`);
      else writeJson(io, { dsl: parsed.dsl, nodes: parsed.nodes });
    });
  dsl
    .command('render')
    .description('render graph JSON (canvas snapshot, {"nodes": [...]}, or a node array) as canonical DSL')
    .argument('[file]', 'JSON file, or - for standard input', '-')
    .action(async (file: string) => {
      io.stdout(`${dslRender(await readInput(file, io.stdin))}\n`);
    });

  return program;
}

function positiveInt(value: string, flag: string): number {
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
