import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@flowsteer/core';
import {
  CanvasEnv,
  REFERENCE_QUIRKS,
  parseDsl,
  toMermaid,
  WorkflowGraph,
  type CanvasAction,
  type CanvasQuirks,
  type GraphSnapshot,
} from '@flowsteer/canvas';
import { parseDslReference } from '@flowsteer/canvas/reference';
import { CliUsageError } from '../errors.js';

export interface ReplayOptions {
  readonly task: string;
  readonly type: string;
  readonly maxRounds: number;
  readonly minOperators: number;
  readonly checker: boolean;
  readonly structure: boolean;
  readonly quirks: readonly string[];
  readonly snapshot?: string;
}

export interface ReplayTurn {
  readonly turn: number;
  readonly kind: 'action' | 'prompt';
  readonly raw: string;
  readonly action: CanvasAction | null;
  readonly fallback: string | null;
  readonly accepted: boolean;
  readonly executed: boolean;
  readonly phase: string;
  readonly dsl: string;
  readonly feedback: string;
}

export interface ReplayReport {
  readonly task: { readonly problem: string; readonly type: string };
  readonly turns: readonly ReplayTurn[];
  readonly final: {
    readonly dsl: string;
    readonly nodes: readonly string[];
    readonly finished: boolean;
    readonly rounds: number;
    readonly executed: false;
    readonly unusedLines: number;
  };
}

const QUIRK_NAMES = Object.keys(REFERENCE_QUIRKS) as Array<keyof CanvasQuirks>;

export function quirksFrom(names: readonly string[]): Partial<CanvasQuirks> {
  if (names.includes('reference')) return REFERENCE_QUIRKS;
  const quirks: Partial<Record<keyof CanvasQuirks, boolean>> = {};
  for (const name of names) {
    if (!(QUIRK_NAMES as string[]).includes(name)) throw new CliUsageError(`unknown quirk "${name}"; known: reference, ${QUIRK_NAMES.join(', ')}`);
    quirks[name as keyof CanvasQuirks] = true;
  }
  return quirks;
}

/** Transcript lines: one JSON string per line (blank lines skipped). */
export function parseTranscript(text: string): string[] {
  const outputs: string[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new CliUsageError(`transcript line ${index + 1} is not JSON; each line must be one JSON string (the raw policy output)`);
    }
    if (typeof value !== 'string') throw new CliUsageError(`transcript line ${index + 1} must be a JSON string, got ${Array.isArray(value) ? 'array' : typeof value}`);
    outputs.push(value);
  });
  return outputs;
}

export async function readInput(file: string | undefined, stdin: () => Promise<string>): Promise<string> {
  if (file === undefined || file === '-') return stdin();
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliUsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Replays a transcript through a canvas with execution switched off. */
export async function replayTranscript(outputs: readonly string[], options: ReplayOptions): Promise<ReplayReport> {
  const env = new CanvasEnv({
    maxRounds: options.maxRounds,
    minOperators: options.minOperators,
    requireChecker: options.checker,
    requireStructure: options.structure,
    quirks: quirksFrom(options.quirks),
  });
  env.reset({ problem: options.task, type: options.type });
  const turns: ReplayTurn[] = [];
  let used = 0;
  for (const raw of outputs) {
    if (env.done) break;
    const result = await env.step(raw);
    used++;
    turns.push({
      turn: result.info.round,
      kind: result.info.kind,
      raw,
      action: result.info.action ?? null,
      fallback: result.info.fallback ?? null,
      accepted: result.info.accepted,
      executed: false,
      phase: result.info.phase,
      dsl: result.info.dsl,
      feedback: result.feedback,
    });
  }
  if (options.snapshot !== undefined) await writeFileAtomic(options.snapshot, `${JSON.stringify(env.snapshot(), null, 2)}\n`);
  return {
    task: { problem: options.task, type: options.type },
    turns,
    final: { dsl: env.graph.toDsl(), nodes: env.graph.nodeList(), finished: env.done, rounds: env.state.round, executed: false, unusedLines: outputs.length - used },
  };
}

function describeAction(action: CanvasAction | null): string {
  if (action === null) return 'operator prompt';
  switch (action.type) {
    case 'add':
      if (action.structure === 'operator') return `add ${action.operator}${action.position === undefined ? '' : ` at ${action.position}`}`;
      if (action.structure === 'parallel') return `add parallel [${action.operators.join(', ')}]`;
      if (action.structure === 'conditional') return `add conditional ${action.condition} ? ${action.trueBranch} : ${action.falseBranch ?? 'done'}`;
      return `add loop (${action.operators.join(' -> ')}) * ${action.count}`;
    case 'delete':
      return `delete ${action.target}`;
    case 'modify':
      return `modify ${action.target} -> ${action.operator}`;
    case 'set_prompt':
      return `set_prompt ${action.target ?? '(no target)'}`;
    case 'finish':
      return action.answer === undefined ? 'finish' : `finish (answer: ${action.answer})`;
    case 'invalid':
      return `invalid: ${action.error}`;
  }
}

export function formatReplay(report: ReplayReport): string {
  const out: string[] = [];
  for (const turn of report.turns) {
    out.push(`── turn ${turn.turn} · ${turn.kind} · ${turn.accepted ? 'accepted' : 'rejected'} · ${describeAction(turn.action)}${turn.fallback === null ? '' : ` (${turn.fallback})`}`);
    out.push(turn.feedback, '');
  }
  out.push(`final DSL: ${report.final.dsl === '' ? '(empty)' : report.final.dsl}`);
  out.push(report.final.nodes.length === 0 ? 'nodes: (none)' : 'nodes:');
  for (const node of report.final.nodes) out.push(`  ${node}`);
  out.push(`finished: ${report.final.finished ? 'yes' : 'no'} after ${report.final.rounds} turns (execution off: not executed)`);
  if (report.final.unusedLines > 0) out.push(`${report.final.unusedLines} transcript line(s) after the finish were not used`);
  return out.join('\n');
}

/** `dsl parse`: the graph a DSL string builds, or a DslError. */
export function dslParse(dsl: string, reference: boolean): { dsl: string; nodes: GraphSnapshot['nodes']; mermaid: string } {
  const graph = reference ? parseDslReference(dsl) : parseDsl(dsl);
  if (graph === null) throw new CliUsageError('the reference parser returned null for this DSL (it drops or rejects parts it cannot read)');
  return { dsl: graph.toDsl(), nodes: graph.snapshot().nodes, mermaid: toMermaid(graph) };
}

/** `dsl render`: canonical DSL from graph JSON (a canvas snapshot, a graph snapshot, or a node array). */
export function dslRender(json: string): string {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new CliUsageError('input is not JSON');
  }
  const record = value as { state?: { graph?: GraphSnapshot }; nodes?: unknown };
  const graphSnapshot: GraphSnapshot | undefined =
    record.state?.graph ?? (Array.isArray(record.nodes) ? (record as GraphSnapshot) : Array.isArray(value) ? { nodes: value as GraphSnapshot['nodes'], nextId: 1, idScheme: 'unique', reachable: [] } : undefined);
  if (graphSnapshot === undefined || !Array.isArray(graphSnapshot.nodes)) throw new CliUsageError('expected a canvas snapshot, a graph snapshot ({"nodes": [...]}) or a node array');
  // Re-applying the nodes through the graph validates them like the canvas would.
  const source = WorkflowGraph.restore({ ...graphSnapshot, reachable: graphSnapshot.reachable ?? [] });
  return parseDsl(source.toDsl()).toDsl();
}
