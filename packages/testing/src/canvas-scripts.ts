/**
 * Scripted policy outputs for the built-in Workflow Canvas, shared by the environment server's
 * tests, the CLI tests and the serve-env benchmark so they all replay the same episode.
 */

/** Builds a workflow with full structure (6 operators, checker, Format, conditional), then finishes: 12 steps. */
export const FULL_SCRIPT: readonly string[] = [
  '<action>add</action><operator>Plan</operator>',
  'Plan how to compute the product.',
  '<action>add</action><operator>Programmer</operator>',
  'Write solve() that returns 6*7.',
  '<action>add</action><operator>Custom</operator>',
  'State the result.',
  '<action>add</action><structure>conditional</structure><condition>Verify</condition><true>Revise</true><false>done</false>',
  'Recompute the product independently.',
  'Fix the answer using the feedback.',
  '<action>add</action><operator>Format</operator>',
  'Output only the number.',
  '<action>finish</action>',
];

/** The DSL `FULL_SCRIPT` builds. */
export const FULL_SCRIPT_DSL = 'Plan -> Programmer -> Custom -> Verify ? Revise : done -> Format';

/** The task `FULL_SCRIPT`'s prompts are written for. */
export const FULL_SCRIPT_TASK = { problem: 'What is 6 times 7?', type: 'math', answer: '42' } as const;

/** The same shape for a code task: the checker is Test, repaired by Programmer. */
export const CODE_SCRIPT: readonly string[] = [
  '<action>add</action><operator>Plan</operator>',
  'Plan the function.',
  '<action>add</action><operator>Programmer</operator>',
  'Write the function.',
  '<action>add</action><operator>Custom</operator>',
  'Explain the function.',
  '<action>add</action><structure>conditional</structure><condition>Test</condition><true>Programmer</true><false>done</false>',
  'Run the tests.',
  'Fix the code using the failures.',
  '<action>add</action><operator>Format</operator>',
  'Output only the code.',
  '<action>finish</action>',
];
