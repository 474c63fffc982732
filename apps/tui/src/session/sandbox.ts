import { Tokens, resolveToken, type Host, type Sandbox } from '@flowsteer/core';
import { CliUsageError } from '../errors.js';

type AnyHost = Host<Record<never, never>>;

/** The usage error for a sandbox nobody registered (`subject` names it), listing the ones that are. */
export function sandboxNotInstalled(host: AnyHost, subject: string): CliUsageError {
  return new CliUsageError(`${subject} is not installed; available: ${host.registries.sandboxes.names().join(', ') || 'none'}`);
}

/**
 * A new sandbox as `sandbox.use` names it, with the sandbox section's limits and options (the
 * caller closes it). The name is checked first, so a missing sandbox is a usage error that lists
 * the installed ones rather than a failure inside the container.
 */
export async function openConfiguredSandbox(host: AnyHost, subject = `sandbox "${host.config.config.sandbox.use}"`): Promise<Sandbox> {
  const use = host.config.config.sandbox.use;
  if (use !== 'custom' && !host.registries.sandboxes.has(use)) throw sandboxNotInstalled(host, subject);
  return resolveToken(host.container, Tokens.Sandbox);
}
