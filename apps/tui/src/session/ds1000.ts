import type { Host, Sandbox } from '@flowsteer/core';
import type { ScoringOptions } from '@flowsteer/eval';
import { DEFAULT_SANDBOX as PLAIN_SANDBOX, SCIENTIFIC_SANDBOX } from '@flowsteer/operators-code';

/**
 * DS-1000 answers need numpy and pandas, which the plain isolated sandbox leaves out: when that is
 * the sandbox in use, its scientific twin is opened for each DS-1000 answer (and closed after).
 * Any other sandbox runs DS-1000 itself.
 */
export function ds1000Option(host: Host<Record<never, never>>, sandbox: Sandbox): Pick<ScoringOptions, 'openDs1000Sandbox'> {
  const scientific = scientificTwin(host, sandbox.id);
  return scientific === undefined ? {} : { openDs1000Sandbox: scientific };
}

/** Opens the scientific twin of the sandbox named `plain`, when that is the plain isolated one and the twin is installed. */
export function scientificTwin(host: Host<Record<never, never>>, plain: string): (() => Sandbox | Promise<Sandbox>) | undefined {
  const scientific = host.registries.sandboxes.tryGet(SCIENTIFIC_SANDBOX);
  if (plain !== PLAIN_SANDBOX || scientific === undefined) return undefined;
  const { timeoutMs } = host.config.config.sandbox;
  // Its own memory default (numpy needs more than plain code); no warm pool for a per-answer sandbox.
  return () => scientific({ workers: 0, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
}
