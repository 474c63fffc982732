/**
 * Metric modes. `official` follows each benchmark's published evaluation script; `strict` (the
 * default) is official-compatible with known false positives fixed and common answer forms
 * recognised; `reference` reproduces the FlowSteer reference evaluator (`eval_only.py`), bugs
 * included, so the paper's table can be compared. `reference` is never a training reward.
 */
export type MetricMode = 'official' | 'reference' | 'strict';

export const METRIC_MODES: readonly MetricMode[] = ['official', 'reference', 'strict'];

/** Bumped whenever any scorer changes what it returns; runs pin it. */
export const METRIC_VERSION = '2.0.0';

/** What a mode is, for reports and CLI output. */
export function describeMode(mode: MetricMode): string {
  switch (mode) {
    case 'official':
      return 'official: each benchmark\'s published evaluation';
    case 'strict':
      return 'strict: official-compatible, known false positives fixed, common answer forms recognised';
    case 'reference':
      return 'reference: reproduces the FlowSteer reference evaluator (eval_only.py), known bugs included; not for training rewards';
  }
}

export function isMetricMode(value: string): value is MetricMode {
  return (METRIC_MODES as readonly string[]).includes(value);
}

/** Training rewards must never come from the reference reproduction (it rewards wrong answers). */
export function assertTrainingMode(mode: MetricMode): void {
  if (mode === 'reference') throw new Error('the reference metric mode reproduces eval_only.py and its false positives; it cannot score training rewards');
}
