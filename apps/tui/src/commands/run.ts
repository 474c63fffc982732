import {
  BackendError,
  Tokens,
  resolveToken,
  type Host,
  type LlmBackend,
  type Sandbox,
} from '@flowsteer/core';
import { WorkflowExecutor, parseDsl, vocabularyFor, type NodeRecord, type WorkflowRun } from '@flowsteer/canvas';
import { RecordingBackend } from '@flowsteer/backends-replay';
import { CliUsageError } from '../errors.js';

export interface RunCommandOptions {
  readonly task: string;
  readonly workflow: string;
  readonly type: string;
  readonly prompts: Readonly<Record<string, string>>;
  readonly entryPoint?: string;
  readonly tests?: string;
  /** A registered sandbox name; the isolated `system-python` when not given. */
  readonly sandbox?: string;
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

/** Executes one workflow on one task with the host's executor backend, operators and sandbox. */
export async function runWorkflow(host: Host<Record<never, never>>, options: RunCommandOptions): Promise<RunReport> {
  const installed = host.registries.operators.entries().map((entry) => entry.value);
  const graph = parseDsl(options.workflow, { operators: vocabularyFor(installed).operators.map((spec) => spec.name) });
  for (const [nodeId, prompt] of Object.entries(options.prompts)) {
    const result = graph.setNodePrompt(nodeId, prompt);
    if (!result.success) throw new CliUsageError(`--prompt ${nodeId}: ${result.message}`);
  }
  const needsSandbox = graph.operatorNodes().some((node) => host.registries.operators.tryGet(node.operator)?.category === 'code' || node.operator === 'Test');
  let sandbox: Sandbox | undefined;
  if (needsSandbox) {
    const sandboxName = options.sandbox ?? 'system-python';
    const factory = host.registries.sandboxes.tryGet(sandboxName);
    if (factory === undefined) throw new CliUsageError(`sandbox "${sandboxName}" is not installed; available: ${host.registries.sandboxes.names().join(', ') || 'none'}`);
    sandbox = await factory({});
  }
  let backend: LlmBackend;
  try {
    backend = await resolveToken(host.container, Tokens.ExecutorBackend);
  } catch (error) {
    if (error instanceof BackendError) throw new CliUsageError(`${error.message}. Configure the executor with --set executor.baseUrl=… --set executor.model=…, FLOWSTEER_EXECUTOR_* variables or flowsteer.config.json`);
    throw error;
  }
  if (options.record !== undefined) backend = new RecordingBackend(backend, options.record);
  host.events.on('node.started', (e) => options.onProgress?.(`▶ ${e.nodeId} ${e.operator}`));
  host.events.on('node.finished', (e) => options.onProgress?.(`${e.ok ? '✓' : '✗'} ${e.nodeId} ${e.operator} ${Math.round(e.latencyMs)} ms, ${e.usage.totalTokens} tokens${e.error === undefined ? '' : ` — ${e.error}`}`));
  const executor = new WorkflowExecutor({
    operators: installed,
    backend,
    ...(sandbox === undefined ? {} : { sandbox }),
    nodeTimeoutMs: options.nodeTimeoutMs,
    retries: options.retries,
    events: host.events,
    runId: 'run',
  });
  try {
    const run = await executor.run(graph, { problem: options.task, type: options.type, ...(options.entryPoint === undefined ? {} : { entryPoint: options.entryPoint }), ...(options.tests === undefined ? {} : { test: options.tests }) }, { signal: options.signal });
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

export function formatRunReport(report: RunReport): string {
  const lines = [`workflow: ${report.workflow}`, `backend:  ${report.backend}`, ''];
  for (const node of report.nodes) {
    const text = node.ok ? (node.output?.response ?? '') : `FAILED: ${node.error ?? ''}`;
    lines.push(`[${node.nodeId}] ${node.operator} (${Math.round(node.latencyMs)} ms, ${node.usage.totalTokens} tokens${node.attempts > 1 ? `, ${node.attempts} attempts` : ''})`);
    lines.push(...text.split('\n').slice(0, 12).map((line) => `  ${line}`));
  }
  lines.push('');
  lines.push(`usage: ${report.usage.calls} calls, ${report.usage.promptTokens} prompt + ${report.usage.completionTokens} completion = ${report.usage.totalTokens} tokens, ${Math.round(report.usage.latencyMs)} ms of model time`);
  lines.push(report.success ? `answer: ${report.answer}` : `failed: ${report.error ?? 'unknown error'}`);
  return lines.join('\n');
}
