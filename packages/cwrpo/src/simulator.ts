import type { CanvasTask, WorkflowGraph, WorkflowNode } from '@flowsteer/canvas';
import { isChecker, isCodeSolver, isEnsemble, isFormatter, isPlanner, isReviser, isSolver, needsCode } from './operator-roles.js';
import { Rng } from './random.js';

/**
 * A workflow simulator — a model, not data. Tasks come in three families (math, qa, code) with a
 * random difficulty; the chance that a workflow answers a task correctly is a logistic function of
 * what its steps can contribute *in the order they run*:
 *
 * - solvers (and parallel branches) contribute a per-family effect; repeats of one operator add
 *   half, a quarter, then nothing;
 * - a planner helps only before the first answer and hurts after it;
 * - a checker helps only once something exists to check (unit tests need code first); a reviser
 *   helps only after a checker looked at an answer;
 * - a repair conditional or a check/revise loop earns its bonus only after an answer exists; before
 *   that it is inert (nothing to check, so the repair branch never runs); a second copy of the same
 *   repair earns nothing (the same check finds nothing new), other repairs earn 30 % then 10 %;
 * - Format counts only as the very last step; every Format before the end costs;
 * - a parallel block pays only when an ensemble later merges it;
 * - every operator beyond seven costs accuracy (long workflows drift).
 *
 * Roles come from the canvas vocabulary's operator categories. Each family has a different best
 * workflow. The model exists so that learning can be tested on one CPU in seconds; its numbers say
 * nothing about real LLMs.
 */

export type SimFamily = 'math' | 'qa' | 'code';

export interface SimTask extends CanvasTask {
  readonly id: string;
  readonly family: SimFamily;
  /** Shifts the success logit down; ~N(0, 0.5). */
  readonly difficulty: number;
}

export const SIM_FAMILIES: readonly SimFamily[] = ['math', 'qa', 'code'];

const BASE: Readonly<Record<SimFamily, number>> = { math: -1.6, qa: -1.3, code: -1.8 };

/** Logit contribution of the first use of each operator where its role allows it to help, per family. */
const OPERATOR_EFFECT: Readonly<Record<SimFamily, Readonly<Record<string, number>>>> = {
  math: { Programmer: 1.4, Custom: 0.5, AnswerGenerate: 0.4, Plan: 0.3, Decompose: 0.2, Verify: 0.5, Review: 0.2, Revise: 0.2, Format: 0.4, Test: 0, CustomCodeGenerate: 0.3 },
  qa: { AnswerGenerate: 1.2, Custom: 0.9, Programmer: -0.6, Review: 0.4, Verify: 0.2, Revise: 0.2, Format: 0.5, Plan: 0.1, Decompose: 0.3, Test: 0, CustomCodeGenerate: -0.5 },
  code: { Programmer: 1.6, Test: 0.7, Custom: 0.1, Review: 0.3, Verify: 0, Revise: 0.1, Format: 0.1, Plan: 0.2, AnswerGenerate: -0.2, Decompose: 0.1, CustomCodeGenerate: 0.8 },
};

/** The repair conditional that helps each family most; any other checker-led conditional earns `OTHER_REPAIR_BONUS`. */
const REPAIR: Readonly<Record<SimFamily, { check: string; repair: string; bonus: number }>> = {
  math: { check: 'Verify', repair: 'Revise', bonus: 0.6 },
  qa: { check: 'Review', repair: 'Revise', bonus: 0.5 },
  code: { check: 'Test', repair: 'Programmer', bonus: 0.9 },
};
const OTHER_REPAIR_BONUS = 0.15;
const LOOP_BONUS: Readonly<Record<SimFamily, number>> = { math: 0.2, qa: 0.3, code: 0.1 };

/** Share of an operator's effect its n-th use earns. */
const REPEAT_DECAY = [1, 0.5, 0.25];
/** Share of a solver's (positive) effect the n-th answer-producing call earns, whichever solver it is. */
const ANSWER_DECAY = [1, 0.5, 0.25, 0.1];
/** Share of a repair bonus the n-th distinct repair earns (an identical copy earns nothing). */
const REPAIR_DECAY = [1, 0.3, 0.1];
const PLANNER_AFTER_ANSWER = -0.3;
const FORMAT_NOT_LAST = -0.5;
const UNMERGED_PARALLEL = -0.2;
const NON_CHECKER_CONDITION = -0.1;
/** A check with nothing (new) to check only adds noise. */
const INERT_BLOCK = -0.1;
const DRIFT_FREE_OPERATORS = 7;
const DRIFT_PER_OPERATOR = 0.25;
/** Success chance of a workflow in which nothing ever produced an answer. */
export const NO_ANSWER_PROBABILITY = 0.03;

/** Simulated tokens per operator call (prompt + completion). */
export const TOKEN_COST: Readonly<Record<string, number>> = {
  Programmer: 700, Custom: 450, AnswerGenerate: 400, Plan: 350, Decompose: 350, Verify: 500, Review: 400, Revise: 450,
  Format: 150, ScEnsemble: 300, Aggregate: 250, Test: 200, MdEnsemble: 900, CustomCodeGenerate: 500,
};

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function decayed(table: readonly number[], index: number): number {
  return table[index] ?? 0;
}

/** Operators in the order they can run, loops unrolled (a conditional's branches are listed once). */
export function executionOrder(nodes: readonly WorkflowNode[]): string[] {
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

/** What the walk over a workflow has established so far. */
class WalkState {
  logit: number;
  hasAnswer = false;
  hasCode = false;
  /** The effect of a standalone check of the current answer, paid when a reviser acts on it (null: unchecked). */
  pendingCheck: number | null = null;
  answers = 0;
  unmergedParallel: { distinct: number } | null = null;
  readonly uses = new Map<string, number>();
  readonly repairs = new Set<string>();
  parallelBlocks = 0;
  loops = 0;

  constructor(
    readonly family: SimFamily,
    difficulty: number,
  ) {
    this.logit = BASE[family] - difficulty;
  }

  /** An operator's effect with diminishing returns for its repeats (counts the use). */
  effect(operator: string): number {
    const count = this.uses.get(operator) ?? 0;
    this.uses.set(operator, count + 1);
    return (OPERATOR_EFFECT[this.family][operator] ?? 0) * decayed(REPEAT_DECAY, count);
  }

  use(operator: string): void {
    this.logit += this.effect(operator);
  }

  answer(operator: string): void {
    const effect = this.effect(operator);
    // More answers add less, whichever solver gives them; a solver that hurts this family always hurts.
    this.logit += effect > 0 ? effect * decayed(ANSWER_DECAY, this.answers) : effect;
    this.answers++;
    this.hasAnswer = true;
    this.pendingCheck = null;
    if (isCodeSolver(operator)) this.hasCode = true;
  }

  /** Something single exists to check: an answer, not an unmerged parallel block; unit tests need code. */
  canCheck(operator: string): boolean {
    return this.hasAnswer && this.unmergedParallel === null && (!needsCode(operator) || this.hasCode);
  }
}

function step(state: WalkState, operator: string, isLast: boolean): void {
  if (isSolver(operator)) state.answer(operator);
  else if (isPlanner(operator)) {
    if (state.hasAnswer) state.logit += PLANNER_AFTER_ANSWER;
    else state.use(operator);
  } else if (isChecker(operator)) {
    // A check alone changes nothing; its value is paid when a reviser acts on its feedback.
    if (state.canCheck(operator) && state.pendingCheck === null) state.pendingCheck = state.effect(operator);
  } else if (isReviser(operator)) {
    if (state.pendingCheck !== null) {
      state.logit += state.pendingCheck + state.effect(operator);
      state.pendingCheck = null;
    }
  } else if (isFormatter(operator)) {
    if (isLast) state.use(operator);
    else state.logit += FORMAT_NOT_LAST;
  } else if (isEnsemble(operator)) {
    if (state.unmergedParallel !== null) {
      state.logit += decayed(REPAIR_DECAY, state.parallelBlocks) * (0.25 + 0.15 * Math.min(state.unmergedParallel.distinct, 3));
      state.parallelBlocks++;
      state.unmergedParallel = null;
      state.hasAnswer = true;
      state.pendingCheck = null;
    }
  }
}

/** Logit of the success probability of `nodes` for a task (see the class comment for the model). */
export function workflowLogit(family: SimFamily, difficulty: number, nodes: readonly WorkflowNode[]): number | null {
  const state = new WalkState(family, difficulty);
  const total = executionOrder(nodes).length;
  let position = 0;
  for (const node of nodes) {
    switch (node.type) {
      case 'operator':
        position++;
        step(state, node.operator, position === total);
        break;
      case 'parallel': {
        if (state.unmergedParallel !== null) state.logit += UNMERGED_PARALLEL;
        for (const child of node.children) step(state, child.operator, false);
        position += node.children.length;
        state.unmergedParallel = { distinct: new Set(node.children.map((c) => c.operator)).size };
        break;
      }
      case 'conditional': {
        position += 2 + (node.falseBranch === undefined ? 0 : 1);
        const check = node.condition.operator;
        if (!isChecker(check)) {
          state.logit += NON_CHECKER_CONDITION;
          break;
        }
        const key = `${check}?${node.trueBranch.operator}`;
        // Before an answer exists there is nothing to check, and a repeated repair finds nothing
        // new: the block is inert (its repair branch never runs).
        if (!state.canCheck(check) || state.repairs.has(key)) {
          state.logit += INERT_BLOCK;
          break;
        }
        const best = REPAIR[family];
        const bonus = check === best.check && node.trueBranch.operator === best.repair ? best.bonus : OTHER_REPAIR_BONUS;
        state.logit += (state.effect(check) + bonus) * decayed(REPAIR_DECAY, state.repairs.size);
        state.repairs.add(key);
        state.pendingCheck = null;
        break;
      }
      case 'loop': {
        const body = node.children.map((c) => c.operator);
        position += body.length * node.count;
        if (!body.some((op) => isChecker(op) && state.canCheck(op))) {
          state.logit += INERT_BLOCK;
          break;
        }
        for (let i = 0; i < node.count; i++) for (const op of body) step(state, op, false);
        if (body.some(isReviser)) state.logit += LOOP_BONUS[family] * decayed(REPAIR_DECAY, state.loops);
        state.loops++;
        break;
      }
    }
  }
  if (state.unmergedParallel !== null) state.logit += UNMERGED_PARALLEL;
  if (!state.hasAnswer) return null;
  state.logit -= DRIFT_PER_OPERATOR * Math.max(0, total - DRIFT_FREE_OPERATORS);
  return state.logit;
}

export class WorkflowSimulator {
  /** Draws a task; `family` pins the family. */
  sampleTask(rng: Rng, index: number, family?: SimFamily): SimTask {
    const chosen = family ?? (SIM_FAMILIES[rng.int(SIM_FAMILIES.length)] as SimFamily);
    const difficulty = rng.normal() * 0.5;
    return { id: `sim-${chosen}-${index}`, family: chosen, difficulty, type: chosen, problem: `[simulated ${chosen} task #${index}, difficulty ${difficulty.toFixed(2)}]` };
  }

  /** A fixed, seeded task set with the families balanced. */
  taskSet(count: number, seed: number): SimTask[] {
    const rng = new Rng(seed);
    return Array.from({ length: count }, (_, i) => this.sampleTask(rng, i, SIM_FAMILIES[i % SIM_FAMILIES.length]));
  }

  /** Probability that the workflow answers the task correctly under the model. */
  successProbability(task: SimTask, graph: Pick<WorkflowGraph, 'nodes'>): number {
    return this.probabilityOfNodes(task, graph.nodes);
  }

  probabilityOfNodes(task: Pick<SimTask, 'family' | 'difficulty'>, nodes: readonly WorkflowNode[]): number {
    const logit = workflowLogit(task.family, task.difficulty, nodes);
    return logit === null ? NO_ANSWER_PROBABILITY : sigmoid(logit);
  }

  /** Simulated tokens spent running the workflow once. */
  tokenCost(graph: Pick<WorkflowGraph, 'nodes'>): number {
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
