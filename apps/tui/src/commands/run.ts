import {
  BackendError,
  Tokens,
  resolveSlot,
  resolveToken,
  type Host,
  type LlmBackend,
  type Operator,
  type Sandbox,
} from '@flowsteer/core';
import { WorkflowExecutor, executionText, parseDsl, vocabularyFor, type CanvasTask, type NodeRecord, type WorkflowGraph, type WorkflowRun } from '@flowsteer/canvas';
import { RecordingBackend } from '@flowsteer/backends-replay';
import { CliUsageError } from '../errors.js';
import { openConfiguredSandbox } from '../session/sandbox.js';
import { executeCounted } from '../session/executor-tokens.js';

export interface RunCommandOptions {
  readonly task: string;
  readonly workflow: string;
  readonly type: string;
  readonly prompts: Readonly<Record<string, string>>;
  readonly entryPoint?: string;
  readonly tests?: string;
  readonly record?: string;
  readonly nodeTimeoutMs: number;
  readonly retries: number;
  readonly signal: AbortSignal;
  readonly onProgress?: (line: string) => void;
}

export interface RunReport {
  readonly task: { readonly problem: string; readonly type: string };
  readonly workflow: string;
  readonly backend: string;
  readonly success: boolean;
  readonly answer: string;
  readonly error?: string;
  readonly code?: string;
  readonly nodes: readonly NodeRecord[];
  readonly usage: WorkflowRun['usage'];
}

/** `--prompt node_2="..."` pairs. */
export function parsePromptFlags(pairs: readonly string[]): Record<string, string> {
  const prompts: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliUsageError(`--prompt expects NODE_ID=TEXT, got "${pair}"`);
    prompts[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return prompts;
}

/** The executor's LLM from config (recorded to a cassette with `--record`); a missing model is a usage error that says how to set one. */
async function executorBackend(host: Host<Record<never, never>>, record: string | undefined): Promise<LlmBackend> {
  let backend: LlmBackend;
  try {
    backend = await resolveToken(host.container, Tokens.ExecutorBackend);
  } catch (error) {
    if (error instanceof BackendError) throw new CliUsageError(`${error.message}. Configure the executor with --set executor.baseUrl=… --set executor.model=…, FLOWSTEER_EXECUTOR_* variables or flowsteer.config.json`);
    throw error;
  }
  return record === undefined ? backend : new RecordingBackend(backend, record);
}

/**
 * Executes one workflow on one task with the executor `executor.use` names: the built-in
 * `workflow` executor (also for `auto`) runs the operators on the executor backend with the
 * sandbox; `simulated`, a plugin's or a `custom` module's gets the same context as everywhere else.
 */
export async function runWorkflow(host: Host<Record<never, never>>, options: RunCommandOptions): Promise<RunReport> {
  const installed = host.registries.operators.entries().map((entry) => entry.value);
  const graph = parseDsl(options.workflow, { operators: vocabularyFor(installed).operators.map((spec) => spec.name) });
  for (const [nodeId, prompt] of Object.entries(options.prompts)) {
    const result = graph.setNodePrompt(nodeId, prompt);
    if (!result.success) throw new CliUsageError(`--prompt ${nodeId}: ${result.message}`);
  }
  const task = { problem: options.task, type: options.type, ...(options.entryPoint === undefined ? {} : { entryPoint: options.entryPoint }), ...(options.tests === undefined ? {} : { test: options.tests }) };
  host.events.on('node.started', (e) => options.onProgress?.(`▶ ${e.nodeId} ${e.operator}`));
  host.events.on('node.finished', (e) => options.onProgress?.(`${e.ok ? '✓' : '✗'} ${e.nodeId} ${e.operator} ${Math.round(e.latencyMs)} ms, ${e.usage.totalTokens} tokens${e.error === undefined ? '' : ` — ${e.error}`}`));
  const { use } = host.config.config.executor;
  if (use !== 'auto' && use !== 'workflow') return runWithSlotExecutor(host, options, installed, graph, task);

  const needsSandbox = graph.operatorNodes().some((node) => host.registries.operators.tryGet(node.operator)?.category === 'code' || node.operator === 'Test');
  const sandbox = needsSandbox ? await openConfiguredSandbox(host) : undefined;
  try {
    const backend = await executorBackend(host, options.record);
    const executor = new WorkflowExecutor({
      operators: installed,
      backend,
      ...(sandbox === undefined ? {} : { sandbox }),
      nodeTimeoutMs: options.nodeTimeoutMs,
      retries: options.retries,
      events: host.events,
      runId: 'run',
    });
    const run = await executor.run(graph, task, { signal: options.signal });
    return {
      task: { problem: options.task, type: options.type },
      workflow: graph.toDsl(),
      backend: backend.id,
      success: run.success,
      answer: run.answer,
      ...(run.error === undefined ? {} : { error: run.error }),
      ...(run.code === undefined ? {} : { code: run.code }),
      nodes: run.nodes,
      usage: run.usage,
    };
  } finally {
    await sandbox?.close();
  }
}

/** A non-workflow executor sees the whole workflow at once: the report has its answer and token count, and per-node lines only for the node events it emits. */
async function runWithSlotExecutor(host: Host<Record<never, never>>, options: RunCommandOptions, installed: readonly Operator[], graph: WorkflowGraph, task: CanvasTask): Promise<RunReport> {
  const selection = host.config.config.executor;
  const factory = await resolveSlot(host.registries.executors, selection, host.cwd);
  // The promise is kept, not the sandbox: two calls while it opens must not open two.
  let opening: Promise<Sandbox> | undefined;
  let backendId: string | undefined;
  const executor = await factory({
    backend: async () => {
      const backend = await executorBackend(host, options.record);
      backendId = backend.id;
      return backend;
    },
    operators: installed,
    sandbox: () => (opening ??= openConfiguredSandbox(host)),
    events: host.events,
    runId: 'run',
    options: {},
  });
  const name = `${selection.use} (${host.registries.executors.providerOf(selection.use) ?? 'custom module'})`;
  try {
    options.onProgress?.(`▶ executor ${name}`);
    const started = performance.now();
    const { result, tokens } = await executeCounted(executor, { task, dsl: graph.toDsl(), graph: graph.snapshot(), prompts: graph.prompts(), turn: 0 }, options.signal);
    const latencyMs = performance.now() - started;
    options.onProgress?.(`${result.success ? '✓' : '✗'} executor ${selection.use} ${Math.round(latencyMs)} ms, ${tokens} tokens`);
    const answer = executionText(result.output);
    return {
      task: { problem: options.task, type: options.type },
      workflow: graph.toDsl(),
      backend: backendId === undefined ? `executor ${name}` : `executor ${name} on ${backendId}`,
      success: result.success,
      answer: result.success ? answer : '',
      ...(result.success ? {} : { error: answer === '' ? 'the executor reported a failure' : answer }),
      nodes: [],
      usage: { calls: 0, promptTokens: 0, completionTokens: 0, totalTokens: tokens, latencyMs },
    };
  } finally {
    await executor.close?.();
    // A sandbox that failed to open was the executor's error to report; there is nothing to close.
    await opening?.then((sandbox) => sandbox.close(), () => undefined);
  }
}

export function formatRunReport(report: RunReport): string {
  const lines = [`workflow: ${report.workflow}`, `backend:  ${report.backend}`, ''];
  if (report.nodes.length === 0) lines.push('(this executor reports no per-node results)');
  for (const node of report.nodes) {
    const text = node.ok ? (node.output?.response ?? '') : `FAILED: ${node.error ?? ''}`;
    lines.push(`[${node.nodeId}] ${node.operator} (${Math.round(node.latencyMs)} ms, ${node.usage.totalTokens} tokens${node.attempts > 1 ? `, ${node.attempts} attempts` : ''})`);
    lines.push(...text.split('\n').slice(0, 12).map((line) => `  ${line}`));
  }
  lines.push('');
  if (report.nodes.length === 0) lines.push(`usage: ${report.usage.totalTokens} tokens, ${Math.round(report.usage.latencyMs)} ms`);
  else lines.push(`usage: ${report.usage.calls} calls, ${report.usage.promptTokens} prompt + ${report.usage.completionTokens} completion = ${report.usage.totalTokens} tokens, ${Math.round(report.usage.latencyMs)} ms of model time`);
  lines.push(report.success ? `answer: ${report.answer}` : `failed: ${report.error ?? 'unknown error'}`);
  return lines.join('\n');
}
