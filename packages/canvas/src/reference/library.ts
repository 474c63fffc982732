/**
 * The reference's operator name lists (spec §1.7), as data. They differ from one rule to the next
 * and do not follow operator categories exactly (Aggregate is a finish solver, CustomCodeGenerate
 * is none), so they apply to the reference operators by name; other operators get roles from
 * their category (see `rolesFor`).
 */
export type RoleName = 'checkers' | 'finishSolvers' | 'advisorSolvers' | 'resultOperators' | 'aggregators' | 'parallelForbidden';

export const REFERENCE_ROLE_LISTS: { readonly [R in RoleName]: readonly string[] } & { readonly members: readonly string[] } = {
  /** Every operator the lists below speak for. */
  members: ['Custom', 'AnswerGenerate', 'CustomCodeGenerate', 'Programmer', 'Test', 'Format', 'Review', 'Revise', 'ScEnsemble', 'MdEnsemble', 'Decompose', 'Verify', 'Plan', 'Aggregate'],
  /** Finish rule 5 and the reward. */
  checkers: ['Verify', 'Test', 'Review'],
  /** Finish rule 4. */
  finishSolvers: ['Custom', 'Programmer', 'AnswerGenerate', 'Aggregate', 'Revise'],
  /** The feedback advisor's "solver present". */
  advisorSolvers: ['Programmer', 'AnswerGenerate', 'Custom'],
  /** Operators whose successful output becomes the "last solver result". */
  resultOperators: ['Custom', 'Programmer', 'AnswerGenerate', 'Aggregate', 'Format', 'Revise', 'ScEnsemble', 'MdEnsemble'],
  /** Merge a parallel block's outputs (the advisor's aggregation rule). */
  aggregators: ['ScEnsemble', 'Aggregate', 'MdEnsemble'],
  /** May not sit inside a parallel block. */
  parallelForbidden: ['ScEnsemble', 'Aggregate', 'MdEnsemble'],
};
