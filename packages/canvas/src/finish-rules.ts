/**
 * The finish constraints (spec §3.4) as a pure function: the first failing rule wins. Checker and
 * solver roles come from the vocabulary's operator roles, so a plugin checker satisfies rule 5.
 */
import { executionText, hasExecutionResult, looksLong, type ExecutionValue, type ProblemType } from './feedback/values.js';
import type { OperatorRoles } from './roles.js';

export interface FinishRuleSettings {
  readonly minOperators: number;
  readonly requireChecker: boolean;
  readonly requireStructure: boolean;
}

export interface FinishRuleInput {
  /** Every operator in the graph, children included, in execution order. */
  readonly operators: readonly string[];
  readonly hasStructure: boolean;
  readonly problemType: ProblemType;
  /** The task's unit tests, if any (code tasks). */
  readonly test?: string;
  readonly lastExecutionResult: ExecutionValue | null;
  readonly roles: OperatorRoles;
}

export interface FinishViolation {
  readonly message: string;
  readonly hint: string;
}

export function finishViolation(settings: FinishRuleSettings, input: FinishRuleInput): FinishViolation | undefined {
  const ops = input.operators;
  const total = ops.length;
  if (total === 0) return { message: 'Finish rejected: workflow is empty.', hint: 'Add at least one operator before finishing.' };
  if (total < settings.minOperators) return { message: `Finish rejected: workflow is too short (${total} operators).`, hint: 'Add more operators before finishing.' };
  if (settings.requireStructure && !input.hasStructure) {
    return { message: 'Finish rejected: no structure used (parallel/conditional/loop).', hint: 'Add at least one structure (parallel/conditional/loop) before finishing.' };
  }
  if (settings.requireChecker) {
    if (!ops.some((op) => input.roles.finishSolvers.has(op))) {
      return { message: 'Finish rejected: no solver operator used (Custom/Programmer/AnswerGenerate/...).', hint: 'Add a solver operator (e.g., Programmer/Custom/AnswerGenerate) before finishing.' };
    }
    if (!ops.some((op) => input.roles.checkers.has(op))) return { message: 'Finish rejected: no checker operator used (Verify/Test/Review).', hint: 'Add Verify/Test/Review before finishing.' };
    if ((input.test ?? '').trim() !== '' && !ops.includes('Test')) {
      return { message: 'Finish rejected: code task requires Test operator before finishing.', hint: 'Add Test to run the provided unit tests before finishing.' };
    }
  }
  if (input.problemType === 'code' && !ops.includes('Programmer') && !ops.includes('Test')) {
    return { message: 'Finish rejected: code task requires Programmer to generate code.', hint: 'Add Programmer to write the code before finishing.' };
  }
  const last = input.lastExecutionResult;
  if (hasExecutionResult(last) && looksLong(executionText(last)) && !ops.includes('Format')) {
    return { message: 'Finish rejected: answer not concise.', hint: 'Add Format to extract a concise answer.' };
  }
  return undefined;
}
