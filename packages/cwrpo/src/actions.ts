import type { OperatorCategory } from '@flowsteer/core';
import { isSolver, operatorCategory } from './operator-roles.js';

/**
 * The local policy's discrete action space: canvas edits rendered as the same XML the LLM policy
 * writes, so every action goes through the real canvas parser and validation.
 */

/** The canvas node an action adds, for code that reasons about actions without a canvas (the ceiling search). */
export type ActionShape =
  | { readonly kind: 'operator'; readonly operator: string }
  | { readonly kind: 'parallel'; readonly operators: readonly string[] }
  | { readonly kind: 'conditional'; readonly check: string; readonly repair: string }
  | { readonly kind: 'loop'; readonly operators: readonly string[]; readonly count: number }
  | { readonly kind: 'finish' };

export interface LocalAction {
  readonly name: string;
  readonly xml: string;
  /** Operators this action adds (empty for finish). */
  readonly adds: readonly string[];
  readonly shape: ActionShape;
}

export const LIBRARY: readonly string[] = ['Custom', 'AnswerGenerate', 'Programmer', 'ScEnsemble', 'Test', 'Review', 'Revise', 'Decompose', 'Verify', 'Plan', 'Aggregate', 'Format'];

const add = (op: string): LocalAction => ({ name: `add ${op}`, xml: `<action>add</action><operator>${op}</operator>`, adds: [op], shape: { kind: 'operator', operator: op } });
const parallel = (ops: readonly string[]): LocalAction => ({
  name: `parallel [${ops.join(', ')}]`,
  xml: `<action>add</action><structure>parallel</structure><operators>${ops.join(',')}</operators>`,
  adds: ops,
  shape: { kind: 'parallel', operators: ops },
});
const conditional = (check: string, repair: string): LocalAction => ({
  name: `conditional ${check} ? ${repair} : done`,
  xml: `<action>add</action><structure>conditional</structure><condition>${check}</condition><true>${repair}</true><false>done</false>`,
  adds: [check, repair],
  shape: { kind: 'conditional', check, repair },
});

export const ACTIONS: readonly LocalAction[] = [
  ...LIBRARY.map(add),
  parallel(['Custom', 'AnswerGenerate']),
  parallel(['Programmer', 'Custom']),
  parallel(['Programmer', 'Programmer', 'Custom']),
  conditional('Verify', 'Revise'),
  conditional('Review', 'Revise'),
  conditional('Test', 'Programmer'),
  { name: 'loop (Review -> Revise) * 2', xml: '<action>add</action><structure>loop</structure><operators>Review,Revise</operators><count>2</count>', adds: ['Review', 'Revise', 'Review', 'Revise'], shape: { kind: 'loop', operators: ['Review', 'Revise'], count: 2 } },
  { name: 'finish', xml: '<action>finish</action>', adds: [], shape: { kind: 'finish' } },
];

export const FINISH_ACTION = ACTIONS.length - 1;
export const TASK_FAMILIES: readonly string[] = ['math', 'qa', 'code'];
/** Adds are masked once the workflow has this many operators. */
export const MAX_OPERATORS = 14;

/** What the policy reads from the canvas observation state. */
export interface CanvasFeatures {
  readonly taskType: string;
  readonly operators: readonly string[];
  readonly hasParallel: boolean;
  readonly hasConditional: boolean;
  readonly hasLoop: boolean;
  readonly round: number;
  readonly maxRounds: number;
  readonly finishAllowed: boolean;
}

/** Categories of the canvas vocabulary, for the "what came last" feature (order matters to a workflow). */
const LAST_OPERATOR_CATEGORIES: readonly OperatorCategory[] = ['solver', 'code', 'checker', 'reviser', 'formatter', 'ensemble', 'planner'];

export const FEATURE_SIZE = TASK_FAMILIES.length + LIBRARY.length + 3 + 3 + LAST_OPERATOR_CATEGORIES.length + 1;

/** Task family one-hot, operator counts, structure flags, size, progress, finish allowed, the last operator's category, whether an answer exists. */
export function featuresOf(state: CanvasFeatures): Float64Array {
  const x = new Float64Array(FEATURE_SIZE);
  let i = 0;
  for (const family of TASK_FAMILIES) x[i++] = state.taskType === family ? 1 : 0;
  for (const op of LIBRARY) x[i++] = state.operators.filter((o) => o === op).length / 2;
  x[i++] = state.hasParallel ? 1 : 0;
  x[i++] = state.hasConditional ? 1 : 0;
  x[i++] = state.hasLoop ? 1 : 0;
  x[i++] = state.operators.length / 8;
  x[i++] = state.round / Math.max(1, state.maxRounds);
  x[i++] = state.finishAllowed ? 1 : 0;
  const last = state.operators[state.operators.length - 1];
  for (const category of LAST_OPERATOR_CATEGORIES) x[i++] = last !== undefined && operatorCategory(last) === category ? 1 : 0;
  x[i++] = state.operators.some(isSolver) ? 1 : 0;
  return x;
}

/**
 * Whether an action is sensible for the task, beyond what the canvas accepts: `Test` runs unit
 * tests, which only code tasks have (the reference executor drops it from math workflows), and an
 * operator added right after itself only repeats its own output (the reference executor merges
 * such repeats, while the operator-count reward would still pay for them).
 */
function sensible(action: LocalAction, state: CanvasFeatures): boolean {
  if (state.taskType !== 'code' && action.adds.includes('Test')) return false;
  if (action.adds.length === 1 && action.adds[0] === state.operators[state.operators.length - 1]) return false;
  return true;
}

/** 1 for actions the canvas would accept now and that make sense for the task: finish only when allowed, adds while there is room. */
export function validMask(state: CanvasFeatures): Float64Array {
  const mask = new Float64Array(ACTIONS.length);
  ACTIONS.forEach((action, index) => {
    if (index === FINISH_ACTION) mask[index] = state.finishAllowed ? 1 : 0;
    else mask[index] = state.operators.length + action.adds.length <= MAX_OPERATORS && sensible(action, state) ? 1 : 0;
  });
  if (!mask.some((m) => m > 0)) mask[FINISH_ACTION] = 1;
  return mask;
}

/** Reads the features from an observation's structured state, checking the fields it needs. */
export function canvasFeaturesFrom(state: Readonly<Record<string, unknown>> | undefined): CanvasFeatures {
  if (state === undefined) throw new Error('the local policy needs the canvas observation state');
  const operators = Array.isArray(state['operators']) ? (state['operators'] as unknown[]).filter((o): o is string => typeof o === 'string') : [];
  return {
    taskType: typeof state['taskType'] === 'string' ? state['taskType'] : 'reasoning',
    operators,
    hasParallel: state['hasParallel'] === true,
    hasConditional: state['hasConditional'] === true,
    hasLoop: state['hasLoop'] === true,
    round: typeof state['round'] === 'number' ? state['round'] : 0,
    maxRounds: typeof state['maxRounds'] === 'number' ? state['maxRounds'] : 20,
    finishAllowed: state['finishAllowed'] === true,
  };
}

/** The fixed prompt the local policy writes on operator-prompt turns (prompts are not learned). */
export function promptFor(operator: string): string {
  return `Do the ${operator} step for this task carefully and give a clear result.`;
}
