import type { CanvasTask, WorkflowGraph, WorkflowNode } from '@flowsteer/canvas';
import { Rng } from './random.js';

/**
 * A workflow simulator — a model, not data. Tasks come in three families (math, qa, code) with a
 * random difficulty; the chance that a workflow answers a task correctly is a logistic function of
 * which operators and structures it uses, with diminishing returns for repeats, penalties for bad
 * order and bloat, and a different best workflow per family. It exists so that learning can be
 * tested on one CPU in seconds; its numbers say nothing about real LLMs.
 */

export type SimFamily = 'math' | 'qa' | 'code';

export interface SimTask extends CanvasTask {
  readonly id: string;
  readonly family: SimFamily;
  /** Shifts the success logit down; ~N(0, 0.5). */
  readonly difficulty: number;
}

const FAMILIES: readonly SimFamily[] = ['math', 'qa', 'code'];
const SOLVERS = ['Custom', 'AnswerGenerate', 'Programmer', 'CustomCodeGenerate'];
const CHECKERS = ['Verify', 'Review', 'Test'];
const AGGREGATORS = ['ScEnsemble', 'Aggregate', 'MdEnsemble'];

const BASE: Readonly<Record<SimFamily, number>> = { math: -1.6, qa: -1.3, code: -1.8 };

/** Logit contribution of the first occurrence of each operator, per family. */
const OPERATOR_EFFECT: Readonly<Record<SimFamily, Readonly<Record<string, number>>>> = {
  math: { Programmer: 1.4, Custom: 0.5, AnswerGenerate: 0.4, Plan: 0.3, Decompose: 0.2, Verify: 0.5, Review: 0.2, Revise: 0.2, Format: 0.4, Test: -0.3, CustomCodeGenerate: 0.3 },
  qa: { AnswerGenerate: 1.2, Custom: 0.9, Programmer: -0.6, Review: 0.4, Verify: 0.2, Revise: 0.2, Format: 0.5, Plan: 0.1, Decompose: 0.3, Test: -0.3, CustomCodeGenerate: -0.5 },
  code: { Programmer: 1.6, Test: 0.7, Custom: 0.1, Review: 0.3, Verify: 0, Revise: 0.1, Format: 0.1, Plan: 0.2, AnswerGenerate: -0.2, Decompose: 0.1, CustomCodeGenerate: 0.8 },
};

/** The repair conditional that helps each family most. */
const REPAIR: Readonly<Record<SimFamily, { check: string; repair: string; bonus: number }>> = {
  math: { check: 'Verify', repair: 'Revise', bonus: 0.6 },
  qa: { check: 'Review', repair: 'Revise', bonus: 0.5 },
  code: { check: 'Test', repair: 'Programmer', bonus: 0.9 },
};

/** Simulated tokens per operator call (prompt + completion). */
export const TOKEN_COST: Readonly<Record<string, number>> = {
  Programmer: 700, Custom: 450, AnswerGenerate: 400, Plan: 350, Decompose: 350, Verify: 500, Review: 400, Revise: 450,
  Format: 150, ScEnsemble: 300, Aggregate: 250, Test: 200, MdEnsemble: 900, CustomCodeGenerate: 500,
};

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Operators in execution order, loops unrolled. */
function executionOrder(nodes: readonly WorkflowNode[]): string[] {
  return nodes.flatMap((node): string[] => {
    switch (node.type) {
      case 'operator':
        return [node.operator];
      case 'parallel':
        return node.children.map((c) => c.operator);
      case 'conditional':
        return [node.condition.operator, node.trueBranch.operator, ...(node.falseBranch === undefined ? [] : [node.falseBranch.operator])];
      case 'loop':
        return Array.from({ length: node.count }, () => node.children.map((c) => c.operator)).flat();
    }
  });
}

export class WorkflowSimulator {
  /** Draws a task; `family` pins the family. */
  sampleTask(rng: Rng, index: number, family?: SimFamily): SimTask {
    const chosen = family ?? (FAMILIES[rng.int(FAMILIES.length)] as SimFamily);
    const difficulty = rng.normal() * 0.5;
    return { id: `sim-${chosen}-${index}`, family: chosen, difficulty, type: chosen, problem: `[simulated ${chosen} task #${index}, difficulty ${difficulty.toFixed(2)}]` };
  }

  /** A fixed, seeded task set with the families balanced. */
  taskSet(count: number, seed: number): SimTask[] {
    const rng = new Rng(seed);
    return Array.from({ length: count }, (_, i) => this.sampleTask(rng, i, FAMILIES[i % FAMILIES.length]));
  }

  /** Probability that the workflow answers the task correctly under the model. */
  successProbability(task: SimTask, graph: WorkflowGraph): number {
    const nodes = graph.nodes;
    const order = executionOrder(nodes);
    if (!order.some((op) => SOLVERS.includes(op))) return 0.03;
    const effects = OPERATOR_EFFECT[task.family];
    let logit = BASE[task.family] - task.difficulty;
    const seen = new Map<string, number>();
    for (const op of order) {
      const count = seen.get(op) ?? 0;
      seen.set(op, count + 1);
      const effect = effects[op] ?? 0;
      // Revise only helps when something checked the answer first.
      if (op === 'Revise' && !order.some((o) => CHECKERS.includes(o))) continue;
      if (op === 'Test' && task.family === 'code' && !order.includes('Programmer')) continue;
      logit += effect * (count === 0 ? 1 : count === 1 ? 0.5 : count === 2 ? 0.25 : 0);
    }
    nodes.forEach((node, index) => {
      if (node.type === 'parallel') {
        const distinct = new Set(node.children.map((c) => c.operator)).size;
        const merged = nodes.slice(index + 1).some((n) => n.type === 'operator' && AGGREGATORS.includes(n.operator));
        logit += merged ? 0.25 + 0.15 * Math.min(distinct, 3) : -0.2;
      }
      if (node.type === 'conditional') {
        const repair = REPAIR[task.family];
        logit += node.condition.operator === repair.check && node.trueBranch.operator === repair.repair ? repair.bonus : CHECKERS.includes(node.condition.operator) ? 0.15 : -0.1;
      }
      if (node.type === 'loop') logit += task.family === 'qa' ? 0.3 : task.family === 'math' ? 0.2 : 0.1;
    });
    // Planning after solving, and formatting before the end, both hurt.
    const firstSolver = order.findIndex((op) => SOLVERS.includes(op));
    if (order.slice(firstSolver + 1).some((op) => op === 'Plan' || op === 'Decompose')) logit -= 0.3;
    if (order.includes('Format') && order[order.length - 1] !== 'Format') logit -= 0.5;
    // Long workflows drift: every operator beyond seven costs accuracy.
    logit -= 0.25 * Math.max(0, order.length - 7);
    return sigmoid(logit);
  }

  /** Simulated tokens spent running the workflow once. */
  tokenCost(graph: WorkflowGraph): number {
    return executionOrder(graph.nodes).reduce((sum, op) => sum + (TOKEN_COST[op] ?? 400), 0);
  }
}

/** Fixed workflows for the template baselines. */
export const TEMPLATES: Readonly<Record<string, string>> = {
  cot: 'Custom -> Format',
  'answer-review': 'AnswerGenerate -> Review ? Revise : done -> Format',
  'plan-program-verify': 'Plan -> Programmer -> Verify ? Revise : done -> Format',
  'program-test-repair': 'Programmer -> Test ? Programmer : done -> Format',
  'self-consistency': '[Custom, AnswerGenerate, Custom] -> ScEnsemble -> Format',
  'parallel-program-aggregate': 'Plan -> [Programmer, Custom] -> Aggregate -> Verify ? Revise : done -> Format',
  'decompose-review-loop': 'Decompose -> Custom -> (Review -> Revise) * 2 -> Format',
};
