import type { WorkflowNode } from '@flowsteer/canvas';
import { ACTIONS, MAX_OPERATORS, type ActionShape } from './actions.js';
import { SIM_FAMILIES, workflowLogit, type SimFamily, type SimTask } from './simulator.js';

/**
 * The simulator's ceiling: the best workflow the local policy's action space can build for each
 * family, found by search over action sequences, and the expected correctness it gives a task set.
 * The model's logit is additive in a task's difficulty, so one workflow is best for every task of
 * a family and the search runs once per family.
 */

export interface CeilingSearchOptions {
  /** Canvas round limit: an add costs one action and one prompt round, a structure one plus one per operator, finish one. */
  readonly maxRounds?: number;
  /** Every action sequence up to this many actions is tried. */
  readonly exhaustiveDepth?: number;
  /** Beyond that, the best `beamWidth` prefixes (by logit) are extended, up to the round limit. */
  readonly beamWidth?: number;
}

export interface FamilyOptimum {
  readonly family: SimFamily;
  readonly dsl: string;
  /** Logit at difficulty 0. */
  readonly logit: number;
  /** Workflows the search scored. */
  readonly searched: number;
}

export interface SimulatorCeiling {
  readonly byFamily: Readonly<Record<SimFamily, FamilyOptimum>>;
  readonly options: Required<CeilingSearchOptions>;
}

const DEFAULT_SEARCH: Required<CeilingSearchOptions> = { maxRounds: 20, exhaustiveDepth: 3, beamWidth: 1500 };

function roundsOf(shape: ActionShape): number {
  switch (shape.kind) {
    case 'operator':
      return 2;
    case 'parallel':
    case 'loop':
      return 1 + shape.operators.length;
    case 'conditional':
      return 3;
    case 'finish':
      return 1;
  }
}

function nodeOf(shape: Exclude<ActionShape, { kind: 'finish' }>, id: string): WorkflowNode {
  const op = (operator: string, suffix: string): { type: 'operator'; id: string; operator: string } => ({ type: 'operator', id: `${id}${suffix}`, operator });
  switch (shape.kind) {
    case 'operator':
      return op(shape.operator, '');
    case 'parallel':
      return { type: 'parallel', id, children: shape.operators.map((o, i) => op(o, `_p${i}`)) };
    case 'conditional':
      return { type: 'conditional', id, condition: op(shape.check, '_c'), trueBranch: op(shape.repair, '_t') };
    case 'loop':
      return { type: 'loop', id, count: shape.count, children: shape.operators.map((o, i) => op(o, `_l${i}`)) };
  }
}

function dslOf(nodes: readonly WorkflowNode[]): string {
  return nodes
    .map((node) => {
      switch (node.type) {
        case 'operator':
          return node.operator;
        case 'parallel':
          return `[${node.children.map((c) => c.operator).join(', ')}]`;
        case 'conditional':
          return `${node.condition.operator} ? ${node.trueBranch.operator} : done`;
        case 'loop':
          return `(${node.children.map((c) => c.operator).join(' -> ')}) * ${node.count}`;
      }
    })
    .join(' -> ');
}

interface Candidate {
  readonly nodes: WorkflowNode[];
  readonly rounds: number;
  readonly operators: number;
  readonly logit: number;
}

/** Best workflow for one family: exhaustive to `exhaustiveDepth` actions, then a beam to the round limit. */
export function searchFamilyOptimum(family: SimFamily, options: CeilingSearchOptions = {}): FamilyOptimum {
  const { maxRounds, exhaustiveDepth, beamWidth } = { ...DEFAULT_SEARCH, ...options };
  // Actions the policy's mask can offer this family (Test only where there are unit tests).
  const actions = ACTIONS.map((a) => a.shape).filter((s): s is Exclude<ActionShape, { kind: 'finish' }> => s.kind !== 'finish' && (family === 'code' || !JSON.stringify(s).includes('"Test"')));
  const operatorsOf = (s: Exclude<ActionShape, { kind: 'finish' }>): number => (s.kind === 'operator' ? 1 : s.kind === 'conditional' ? 2 : s.kind === 'loop' ? s.operators.length * s.count : s.operators.length);
  let best: Candidate | null = null;
  let searched = 0;
  const finishRounds = roundsOf({ kind: 'finish' });
  const extend = (from: Candidate): Candidate[] => {
    const next: Candidate[] = [];
    for (const shape of actions) {
      const rounds = from.rounds + roundsOf(shape);
      const operators = from.operators + operatorsOf(shape);
      if (rounds + finishRounds > maxRounds || operators > MAX_OPERATORS) continue;
      const nodes = [...from.nodes, nodeOf(shape, `n${from.nodes.length}`)];
      const logit = workflowLogit(family, 0, nodes) ?? -Infinity;
      searched++;
      const candidate = { nodes, rounds, operators, logit };
      if (best === null || logit > best.logit) best = candidate;
      next.push(candidate);
    }
    return next;
  };
  let frontier: Candidate[] = [{ nodes: [], rounds: 0, operators: 0, logit: -Infinity }];
  for (let depth = 1; frontier.length > 0; depth++) {
    let next = frontier.flatMap(extend);
    if (depth >= exhaustiveDepth && next.length > beamWidth) next = next.sort((a, b) => b.logit - a.logit).slice(0, beamWidth);
    frontier = next;
  }
  const found = best as Candidate | null;
  if (found === null) throw new Error(`the ceiling search found no workflow for ${family}`);
  return { family, dsl: dslOf(found.nodes), logit: found.logit, searched };
}

export function searchCeiling(options: CeilingSearchOptions = {}): SimulatorCeiling {
  const byFamily = Object.fromEntries(SIM_FAMILIES.map((family) => [family, searchFamilyOptimum(family, options)])) as Record<SimFamily, FamilyOptimum>;
  return { byFamily, options: { ...DEFAULT_SEARCH, ...options } };
}

/** Expected correctness of the best workflow per family on a task set (mean, and per family). */
export function ceilingOn(ceiling: SimulatorCeiling, tasks: readonly SimTask[]): { mean: number; byFamily: Record<SimFamily, number> } {
  const probability = (task: SimTask): number => 1 / (1 + Math.exp(-(ceiling.byFamily[task.family].logit - task.difficulty)));
  const byFamily = Object.fromEntries(SIM_FAMILIES.map((f) => {
    const of = tasks.filter((t) => t.family === f);
    return [f, of.length === 0 ? 0 : of.reduce((s, t) => s + probability(t), 0) / of.length];
  })) as Record<SimFamily, number>;
  return { mean: tasks.length === 0 ? 0 : tasks.reduce((s, t) => s + probability(t), 0) / tasks.length, byFamily };
}
