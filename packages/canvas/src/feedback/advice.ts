/** The next-step advisor: the `[BLOCK_FINISH]` / `[NEXT]` / `[REASON]` decision after a prompt is set. */
import { extractTestError } from './errors.js';
import type { VerifyResult } from './verification.js';
import { isConcise, isMultipleChoiceType, truncate, type ProblemType } from './values.js';
import { rolesFor, type OperatorRoles } from '../roles.js';
import { REFERENCE_OPERATORS } from '../vocabulary.js';

export const REFERENCE_ROLES: OperatorRoles = rolesFor(REFERENCE_OPERATORS);
const MC_LETTERS: readonly string[] = ['a', 'b', 'c', 'd', 'e'];
// Horizontal space only before the marker: `^\s*` across blank lines counts the same lines, quadratically.
const NUMBERED_LINE = /^[^\S\n]*(?:\d+[.)]|Step\s+\d+)/gim;

export interface AdvisorInput {
  readonly operators: readonly string[];
  readonly currentOperator: string;
  readonly problemType: ProblemType;
  readonly text: string;
  readonly isError: boolean;
  readonly hasRequiredTests: boolean;
  readonly verify?: VerifyResult;
  readonly hasParallel: boolean;
  /** Operator roles (default: the reference vocabulary's). */
  readonly roles?: OperatorRoles;
}

export interface Advice {
  readonly blockFinish: boolean;
  /** An operator name, a structure hint like `conditional(Test,Programmer,done)`, or FINISH. */
  readonly next: string;
  readonly reason: string;
  readonly extraHint?: string;
}

const checkerFor = (type: ProblemType): string => (type === 'math' ? 'Verify' : type === 'code' ? 'Test' : 'Review');

function checkerReason(type: ProblemType, concise: boolean): string {
  if (type === 'math') return concise ? 'Verify the answer before finishing' : 'Verify the answer first, then Format';
  if (type === 'code') return concise ? 'Run Test on the code before finishing' : 'Run Test first, then Format';
  return concise ? 'Add Review to check answer quality' : 'Review answer quality first, then Format';
}

/** The `[BLOCK_FINISH]` / `[NEXT]` / `[REASON]` decision (reference decision table, first matching row). */
export function adviseNext(input: AdvisorInput): Advice {
  const { operators, currentOperator: op, problemType: type, text } = input;
  const has = (name: string): boolean => operators.includes(name);
  const mc = isMultipleChoiceType(type);
  const validMc = MC_LETTERS.includes(text.trim().toLowerCase());
  const concise = isConcise(text);
  const roles = input.roles ?? REFERENCE_ROLES;
  const solverPresent = operators.some((o) => roles.advisorSolvers.has(o));
  const advice = (next: string, reason: string, blockFinish = true): Advice => ({ blockFinish, next, reason });

  const decided = ((): Advice | undefined => {
    if (mc && operators.filter((o) => o === 'Revise').length >= 3 && !validMc) return advice('Format', 'Multiple choice: force Format to extract the option letter');
    if (input.isError) {
      const testError = extractTestError(text);
      if (has('Programmer') || type === 'math' || type === 'code') {
        if ((op === 'Test' || op === 'Programmer') && has('Test') && has('Programmer')) {
          return advice(
            'conditional(Test,Programmer,done)',
            testError !== '' ? `Test failed: ${truncate(testError, 150, '')}. IMPORTANT: Write this error in Programmer's prompt so it knows what to fix.` : 'Code failed; add conditional Test ? Programmer : done so failing code is repaired',
          );
        }
        return advice('Programmer', testError !== '' ? `Test failed: ${truncate(testError, 150, '')}; rerun Programmer with the error` : 'Execution failed; rerun Programmer to fix runtime/error before verification');
      }
      if (solverPresent) return advice('Revise', 'Execution failed; add Revise to fix the answer');
      return advice('Custom', 'Execution failed; add a solver');
    }
    const solverFor = type === 'math' || type === 'code' ? 'Programmer' : 'Custom';
    if (op === 'Plan') return advice(solverFor, solverFor === 'Programmer' ? 'Plan is not answer; add Programmer to write executable code' : 'Plan is not answer; add Custom to solve the problem');
    if (op === 'Decompose') {
      const count = (text.match(NUMBERED_LINE) ?? []).length;
      return advice(solverFor, `Decompose is not answer; add ${solverFor} to solve ${count > 1 ? `the ${count} sub-problems` : 'the sub-problems'}`);
    }
    if (!solverPresent) return undefined;
    if (op === 'Format') {
      if (mc && !validMc) return advice('Format', 'Multiple choice: Format must output a single option letter');
      if (concise) return advice('FINISH', 'Answer formatted and concise', false);
      return advice('Revise', 'Format output is still not concise; revise it');
    }
    if (op === 'Verify') {
      const verify = input.verify;
      if (verify === undefined) return advice('Revise', 'Verify gave no clear verdict; add Revise to improve the answer');
      if (verify.isCorrect) return has('Format') ? advice('FINISH', 'Verify passed and Format exists', false) : advice('Format', 'Verify passed; add Format for concise answer');
      if (verify.answer.trim() !== '' && verify.confidence.toLowerCase() === 'high') {
        return has('Format') ? advice('FINISH', 'High-confidence corrected answer available and Format exists', false) : advice('Format', 'High-confidence corrected answer available; add Format');
      }
      return advice('Revise', 'Verify failed; add Revise to fix the answer');
    }
    if (roles.checkers.has(op)) return has('Format') ? advice('FINISH', `${op} done and Format exists`, false) : advice('Format', `${op} done; add Format for a concise answer`);
    if (roles.advisorSolvers.has(op)) {
      if (mc && !validMc) return advice('Format', 'Multiple choice: Format must output a single option letter');
      if (type === 'math' && !has('Verify')) return advice('Verify', 'MATH: Must verify answer before finishing');
      if (type === 'code' && input.hasRequiredTests && !has('Test')) return advice('Test', 'CODE: run the provided tests before finishing');
      if (concise && (has('Verify') || has('Test'))) return advice('FINISH', 'Answer is concise and checked', false);
      if (concise) return advice(checkerFor(type), checkerReason(type, true));
      if (has('Verify') || has('Test')) return advice('Format', 'Answer is checked but verbose; add Format');
      return advice(checkerFor(type), checkerReason(type, false));
    }
    if (mc && !validMc) return advice('Format', 'Multiple choice: Format must output a single option letter');
    if (concise) return advice('FINISH', 'Answer ready', false);
    return advice('Format', 'Answer is verbose; add Format');
  })();

  let result = decided ?? (operators.length > 0 ? advice(type === 'math' ? 'Programmer' : 'Custom', 'Workflow has no solver operator') : advice('Custom', 'Workflow is empty; add a solver'));
  if (input.hasParallel && !operators.some((o) => roles.aggregators.has(o)) && !input.isError && result.next !== 'FINISH') {
    const aggregator = type === 'math' ? 'ScEnsemble' : 'Aggregate';
    if (!roles.aggregators.has(result.next)) result = advice(aggregator, 'Parallel structure needs aggregation before verification/formatting');
    result = { ...result, extraHint: '[HINT]: Parallel structure detected without aggregation. Add ScEnsemble/Aggregate to merge parallel results into a single answer.' };
  }
  return result;
}
