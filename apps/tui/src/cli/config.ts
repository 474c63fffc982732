import type { Command } from 'commander';
import { boot, writeJson, type GlobalOptions, type CliIo } from './shared.js';

/** `flowsteer config`. */
export function registerConfig(program: Command, io: CliIo): void {
  const config = program.command('config').description('inspect configuration');
  config
    .command('show')
    .description('print the resolved configuration and where each explicitly set key came from')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      const redacted = JSON.parse(JSON.stringify(host.config.config, (key, value: unknown) => (key === 'apiKey' && typeof value === 'string' ? '***' : value))) as unknown;
      const payload = { file: host.config.file ?? null, config: redacted, provenance: Object.fromEntries(host.config.provenance) };
      if (options.json === true) writeJson(io, payload);
      else io.stdout(`config file: ${payload.file ?? '(none)'}\n${JSON.stringify(redacted, null, 2)}\n`);
    });
}
