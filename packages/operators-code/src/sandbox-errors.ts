import { SandboxError } from '@flowsteer/core';

/**
 * An isolation mechanism the sandbox depends on (bubblewrap, namespaces, seccomp, the
 * interpreter) is missing or refused to start. The sandbox never runs code with less isolation.
 */
export class SandboxUnavailableError extends SandboxError {
  readonly mechanism: string;
  constructor(mechanism: string, message: string, options: { cause?: unknown } = {}) {
    super(`${mechanism}: ${message}`, { ...options, details: { mechanism } });
    this.mechanism = mechanism;
  }
}
