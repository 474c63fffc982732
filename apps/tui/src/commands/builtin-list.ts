import type { Host, Registries } from '@flowsteer/core';

/** What one provider outside the plugins (the app itself, core) contributes, by slot. */
export interface BuiltinContribution {
  readonly provider: string;
  /** Slot (`policy`, `executor`, …) → registered names. */
  readonly provides: Readonly<Record<string, readonly string[]>>;
}

/** The registries in the order they are listed; each names its own slot (`kind`). */
const REGISTRY_ORDER: ReadonlyArray<keyof Registries> = ['policies', 'executors', 'canvases', 'trainers', 'sandboxes', 'scorers', 'stores', 'backends', 'operators'];

/** Every registry entry no loaded plugin provided, grouped by provider and slot: what works with no plugin at all. */
export function builtinContributions(host: Host<Record<never, never>>): BuiltinContribution[] {
  // Plugins register under `name@version`.
  const plugins = new Set(host.plugins.loaded.flatMap((p) => [p.name, `${p.name}@${p.version}`]));
  const byProvider = new Map<string, Record<string, string[]>>();
  for (const key of REGISTRY_ORDER) {
    const registry = host.registries[key];
    const slot = registry.kind;
    for (const entry of registry.entries()) {
      if (plugins.has(entry.provider)) continue;
      const provides = byProvider.get(entry.provider) ?? {};
      (provides[slot] ??= []).push(entry.name);
      byProvider.set(entry.provider, provides);
    }
  }
  return [...byProvider.entries()].map(([provider, provides]) => ({ provider, provides }));
}

export function formatBuiltins(builtins: readonly BuiltinContribution[]): string {
  const lines = ['Built in:'];
  for (const { provider, provides } of builtins) {
    lines.push(`  ${provider}`);
    for (const [slot, names] of Object.entries(provides)) lines.push(`    ${slot.padEnd(9)} ${names.join(', ')}`);
  }
  return lines.join('\n');
}
