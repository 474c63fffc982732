/**
 * Operator roles for the canvas rules: which operators count as checkers and solvers for the
 * finish rules, which the advisor treats as solvers, whose output is the "last solver result",
 * which aggregate a parallel block. Roles come from each operator's category; the reference's own
 * name lists (which do not follow categories exactly, spec §1.7) are data applied to the reference
 * operators only.
 */
import type { OperatorCategory } from '@flowsteer/core';
import { REFERENCE_ROLE_LISTS, type RoleName } from './reference/library.js';
import type { OperatorSpec } from './vocabulary.js';

export type { RoleName } from './reference/library.js';

export type OperatorRoles = { readonly [R in RoleName]: ReadonlySet<string> };

/** The roles an operator of each category takes when it is not one of the reference operators. */
export const CATEGORY_ROLES: Readonly<Record<OperatorCategory, readonly RoleName[]>> = {
  solver: ['finishSolvers', 'advisorSolvers', 'resultOperators'],
  code: ['finishSolvers', 'advisorSolvers', 'resultOperators'],
  reviser: ['finishSolvers', 'resultOperators'],
  ensemble: ['aggregators', 'parallelForbidden', 'resultOperators'],
  formatter: ['resultOperators'],
  checker: ['checkers'],
  planner: [],
};

const ROLE_NAMES: readonly RoleName[] = ['checkers', 'finishSolvers', 'advisorSolvers', 'resultOperators', 'aggregators', 'parallelForbidden'];

const cache = new WeakMap<readonly OperatorSpec[], OperatorRoles>();

/**
 * Roles for a vocabulary. A reference operator keeps its reference roles (whatever category it is
 * given); any other operator gets the roles of its category, so a plugin `checker` counts as a checker.
 */
export function rolesFor(operators: readonly OperatorSpec[]): OperatorRoles {
  const cached = cache.get(operators);
  if (cached !== undefined) return cached;
  const sets = Object.fromEntries(ROLE_NAMES.map((role) => [role, new Set<string>()])) as { [R in RoleName]: Set<string> };
  const referenceNames = new Set(Object.values(REFERENCE_ROLE_LISTS.members));
  for (const spec of operators) {
    if (referenceNames.has(spec.name)) {
      for (const role of ROLE_NAMES) if (REFERENCE_ROLE_LISTS[role].includes(spec.name)) sets[role].add(spec.name);
    } else {
      for (const role of CATEGORY_ROLES[spec.category] ?? []) sets[role].add(spec.name);
    }
  }
  const roles: OperatorRoles = sets;
  cache.set(operators, roles);
  return roles;
}
