import type { OperatorCategory } from '@flowsteer/core';
import { REFERENCE_OPERATORS } from '@flowsteer/canvas';

/**
 * Operator roles for the reward and the simulator, read from the canvas vocabulary's categories
 * (so a new checker or solver is recognised by its category, not by a second list of names).
 */
const CATEGORY = new Map<string, OperatorCategory>(REFERENCE_OPERATORS.map((spec) => [spec.name, spec.category]));

/** The category the canvas vocabulary gives an operator; unknown operators count as solvers, as the canvas executor treats them. */
export function operatorCategory(operator: string): OperatorCategory {
  return CATEGORY.get(operator) ?? 'solver';
}

/** Produces an answer of its own (free-form or code). */
export function isSolver(operator: string): boolean {
  const category = operatorCategory(operator);
  return category === 'solver' || category === 'code';
}

/** Writes code (a prerequisite for running unit tests). */
export function isCodeSolver(operator: string): boolean {
  return operatorCategory(operator) === 'code';
}

export function isChecker(operator: string): boolean {
  return operatorCategory(operator) === 'checker';
}

export function isReviser(operator: string): boolean {
  return operatorCategory(operator) === 'reviser';
}

export function isPlanner(operator: string): boolean {
  return operatorCategory(operator) === 'planner';
}

export function isFormatter(operator: string): boolean {
  return operatorCategory(operator) === 'formatter';
}

export function isEnsemble(operator: string): boolean {
  return operatorCategory(operator) === 'ensemble';
}

/** A checker that runs unit tests needs code to test (the vocabulary describes Test as "code tasks only, after Programmer"). */
export function needsCode(operator: string): boolean {
  return operator === 'Test';
}
