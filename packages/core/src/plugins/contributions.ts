import { z } from 'zod';
import { OPERATOR_CATEGORIES } from '../contracts/operator.js';
import type { Registries } from '../registry.js';

/** The kinds a plugin can contribute and the registry each lands in. */
export const CONTRIBUTION_REGISTRY = {
  operator: 'operators',
  backend: 'backends',
  policy: 'policies',
  scorer: 'scorers',
  sandbox: 'sandboxes',
  executor: 'executors',
  canvas: 'canvases',
  trainer: 'trainers',
  store: 'stores',
} as const satisfies Record<string, keyof Registries>;

export type ContributionKind = keyof typeof CONTRIBUTION_REGISTRY;

/** One thing a plugin registered, before it is checked and committed. */
export interface Contribution {
  readonly kind: ContributionKind;
  readonly name: string;
  readonly value: unknown;
}

/** A contribution that was not installed, and why. */
export interface RejectedContribution {
  readonly kind: ContributionKind;
  readonly name: string;
  readonly reason: string;
}

const isFunction = (value: unknown): boolean => typeof value === 'function';
const fn = (what: string) => z.custom<(...args: never[]) => unknown>(isFunction, `${what} must be a function`);

/** What the executor calls on a schema at every node boundary. */
const SchemaLike = z.custom<{ safeParse: unknown }>(
  (value) => typeof value === 'object' && value !== null && isFunction((value as { safeParse?: unknown }).safeParse),
  'must be a zod schema (an object with safeParse)',
);

/** Operator names appear in the workflow DSL and in actions, so they must parse there. */
const OperatorShape = z.object({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be a DSL identifier (letters, digits, _; starting with a letter)'),
  category: z.enum(OPERATOR_CATEGORIES, { error: `must be one of ${OPERATOR_CATEGORIES.join(', ')}` }),
  description: z.string().min(1, 'must describe the operator for the policy'),
  inputSchema: SchemaLike,
  outputSchema: SchemaLike,
  run: fn('run'),
});

const ScorerShape = z.object({ metric: z.string().min(1), score: fn('score') });

/** Slot names are what users type after `use`, e.g. `policy.use=template:cot`. */
const SlotName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9:._@/-]{0,99}$/, 'must be a non-empty name of letters, digits and :._@/-');

function issues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(value)'} ${issue.message}`).join('; ');
}

/** Why a contribution cannot be used, or undefined when it is well-formed. */
export function contributionProblem(contribution: Contribution): string | undefined {
  switch (contribution.kind) {
    case 'operator': {
      const parsed = OperatorShape.safeParse(contribution.value);
      return parsed.success ? undefined : `operator is malformed: ${issues(parsed.error)}`;
    }
    case 'scorer': {
      const parsed = ScorerShape.safeParse(contribution.value);
      return parsed.success ? undefined : `scorer is malformed: ${issues(parsed.error)}`;
    }
    default: {
      const name = SlotName.safeParse(contribution.name);
      if (!name.success) return `${contribution.kind} name ${JSON.stringify(contribution.name)} ${name.error.issues.map((i) => i.message).join('; ')}`;
      return isFunction(contribution.value) ? undefined : `${contribution.kind} "${contribution.name}" must be registered with a factory function`;
    }
  }
}

/** The name a contribution registers under, read defensively (a malformed value may have none). */
export function contributionName(kind: ContributionKind, value: unknown): string {
  const key = kind === 'scorer' ? 'metric' : 'name';
  const raw = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return typeof raw === 'string' ? raw : '(unnamed)';
}
