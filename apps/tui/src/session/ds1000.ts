import type { Host, Sandbox } from '@flowsteer/core';
import type { ScoringOptions } from '@flowsteer/eval';

const PLAIN_SANDBOX = 'system-python';
const SCIENTIFIC_SANDBOX = 'system-python-numpy';

/**
 * DS-1000 answers need numpy and pandas, which the plain isolated sandbox leaves out: when that is
 * the sandbox in use, its scientific twin is opened for each DS-1000 answer (and closed after).
 * Any other sandbox runs DS-1000 itself.
 */
export function ds1000Option(host: Host<Record<never, never>>, sandbox: Sandbox | undefined): Pick<ScoringOptions, 'openDs1000Sandbox'> {
  const scientific = host.registries.sandboxes.tryGet(SCIENTIFIC_SANDBOX);
  if (sandbox?.id !== PLAIN_SANDBOX || scientific === undefined) return {};
  const { timeoutMs } = host.config.config.sandbox;
  // Its own memory default (numpy needs more than plain code); no warm pool for a per-answer sandbox.
  return { openDs1000Sandbox: () => scientific({ workers: 0, ...(timeoutMs === undefined ? {} : { timeoutMs }) }) };
}
