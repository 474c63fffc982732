import type { OperatorCategory } from '@flowsteer/core';
import { REFERENCE_ROLE_LISTS } from './reference/library.js';

/** What the canvas needs to know about an operator: its name, role and the line the policy reads. */
export interface OperatorSpec {
  readonly name: string;
  readonly category: OperatorCategory;
  readonly description: string;
}

/**
 * The reference vocabulary: 14 operators the canvas accepts (12 are in the default library the
 * policy is shown; CustomCodeGenerate and MdEnsemble are accepted but not advertised).
 */
export const REFERENCE_OPERATORS: readonly OperatorSpec[] = [
  { name: 'Custom', category: 'solver', description: 'Free-form reasoning by the executor LLM following your instruction.' },
  { name: 'AnswerGenerate', category: 'solver', description: 'Thinks step by step and returns a thought plus a final answer.' },
  { name: 'CustomCodeGenerate', category: 'code', description: 'Generates code for a function signature without running it.' },
  { name: 'Programmer', category: 'code', description: 'Writes Python and executes it; for math it defines solve(), for code tasks it matches the required signature.' },
  { name: 'Test', category: 'checker', description: 'Runs the provided unit tests against the current code (code tasks only, after Programmer).' },
  { name: 'Format', category: 'formatter', description: 'Extracts a concise final answer; put it last before finishing.' },
  { name: 'Review', category: 'checker', description: 'Critiques the current solution and says whether it holds up, with feedback.' },
  { name: 'Revise', category: 'reviser', description: 'Rewrites the current solution using feedback from a checker.' },
  { name: 'ScEnsemble', category: 'ensemble', description: 'Self-consistency: picks the answer most candidates agree on (after a parallel block).' },
  { name: 'MdEnsemble', category: 'ensemble', description: 'Multiple-debate ensemble over candidate solutions (after a parallel block).' },
  { name: 'Decompose', category: 'planner', description: 'Splits the problem into sub-problems.' },
  { name: 'Verify', category: 'checker', description: 'Independently re-derives the answer and reports whether the current one is correct, with confidence.' },
  { name: 'Plan', category: 'planner', description: 'Drafts a solution strategy; put it first. A plan is not an answer.' },
  { name: 'Aggregate', category: 'ensemble', description: 'Merges the outputs of a parallel block into one answer (after a parallel block).' },
];

/** The 12 operators shown to the policy by default. */
export const DEFAULT_LIBRARY: readonly string[] = [
  'Custom', 'AnswerGenerate', 'Programmer', 'ScEnsemble', 'Test', 'Review', 'Revise', 'Decompose', 'Verify', 'Plan', 'Aggregate', 'Format',
];

/** Operators that may not sit inside a parallel block (they merge parallel outputs). Reference data; rules read `rolesFor`. */
export const PARALLEL_FORBIDDEN: readonly string[] = REFERENCE_ROLE_LISTS.parallelForbidden;
/** Checkers for the finish rule and the reward (reference data). */
export const CHECKERS: readonly string[] = REFERENCE_ROLE_LISTS.checkers;
/** Solvers for the finish rule (reference data). */
export const FINISH_SOLVERS: readonly string[] = REFERENCE_ROLE_LISTS.finishSolvers;
/** Solvers for the feedback advisor (reference data). */
export const ADVISOR_SOLVERS: readonly string[] = REFERENCE_ROLE_LISTS.advisorSolvers;
/** Operators whose successful output becomes the "last solver result" (reference data). */
export const RESULT_OPERATORS: readonly string[] = REFERENCE_ROLE_LISTS.resultOperators;
export const AGGREGATORS: readonly string[] = REFERENCE_ROLE_LISTS.aggregators;

/** Python `sorted` order (code points), used in reference messages. */
export function sortedNames(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** What the canvas accepts and what the policy is shown, for a given set of installed operators. */
export interface CanvasVocabulary {
  readonly operators: readonly OperatorSpec[];
  readonly library: readonly string[];
}

/**
 * The vocabulary for the operators a host has installed: the reference operators keep their
 * reference descriptions and library order, and every other installed operator (a plugin's) is
 * accepted and appended to the library, so the policy sees it.
 */
export function vocabularyFor(installed: Iterable<OperatorSpec>): CanvasVocabulary {
  const reference = new Set(REFERENCE_OPERATORS.map((spec) => spec.name));
  const extras = [...installed]
    .filter((spec) => !reference.has(spec.name))
    .map(({ name, category, description }) => ({ name, category, description }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { operators: [...REFERENCE_OPERATORS, ...extras], library: [...DEFAULT_LIBRARY, ...extras.map((spec) => spec.name)] };
}
