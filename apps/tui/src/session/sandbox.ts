import { CUSTOM_SLOT, Tokens, resolveSlot, resolveToken, type Host, type Sandbox } from '@flowsteer/core';
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
  return sandboxOpener(host, undefined, () => subject).open();
}

/**
 * Opens new sandboxes of the kind `override` names (default: `sandbox.use`), each with the sandbox
 * section's limits and options, so an override never runs code with looser limits than configured.
 * The name is checked once, up front; `subject(name)` words the usage error for a missing one.
 */
export function sandboxOpener(host: AnyHost, override: string | undefined, subject: (name: string) => string = (name) => `sandbox "${name}"`): { name: string; open: () => Promise<Sandbox> } {
  const { use, module, options, ...limits } = host.config.config.sandbox;
  const name = override ?? use;
  if (name !== CUSTOM_SLOT && !host.registries.sandboxes.has(name)) throw sandboxNotInstalled(host, subject(name));
  if (name === use) return { name, open: () => resolveToken(host.container, Tokens.Sandbox) };
  return { name, open: async () => (await resolveSlot(host.registries.sandboxes, { use: name, ...(module === undefined ? {} : { module }) }, host.cwd))({ ...limits, options }) };
}
