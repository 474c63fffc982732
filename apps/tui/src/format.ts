import type { PluginReport } from '@flowsteer/core';

function provided(plugin: PluginReport['loaded'][number]): string {
  const parts = Object.entries(plugin.provides)
    .filter(([, names]) => names.length > 0)
    .map(([kind, names]) => `${kind}: ${names.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'nothing registered';
}

/** Human-readable plugin report: loaded plugins with versions, then skipped ones with reasons. */
export function formatPluginReport(report: PluginReport): string {
  const lines = [`Plugins (plugin API v${report.hostApiVersion}): ${report.loaded.length} loaded, ${report.skipped.length} skipped`];
  for (const plugin of report.loaded) {
    lines.push(`  ✓ ${plugin.name}@${plugin.version} [${plugin.kind}] ${provided(plugin)}`);
    for (const override of plugin.overrides) lines.push(`      replaces the first-party ${override} (plugins.override)`);
    for (const dropped of plugin.rejected) lines.push(`      dropped ${dropped.kind} ${JSON.stringify(dropped.name)}: ${dropped.reason}`);
  }
  for (const skip of report.skipped) {
    lines.push(`  ✗ ${skip.name}@${skip.version} skipped (${skip.code}): ${skip.reason}`);
  }
  return lines.join('\n');
}
