import type { Command } from 'commander';
import { builtinContributions, formatBuiltins } from '../commands/builtin-list.js';
import { addPlugins, formatAddReport, newPlugin } from '../commands/plugins.js';
import { formatPluginReport } from '../format.js';
import { boot, writeJson, ExitCode, pluginListJson, type GlobalOptions, type CliIo } from './shared.js';

/** `flowsteer plugins`. */
export function registerPlugins(program: Command, io: CliIo): void {
  const plugins = program.command('plugins').description('list, install and create FlowSteer plugins');
  plugins
    .command('list')
    .description('list discovered plugins with versions, what they provide, and why any were skipped; then what is built in, per slot')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      const builtins = builtinContributions(host);
      if (options.json === true) writeJson(io, { ...pluginListJson(host.plugins), builtins });
      else io.stdout(`${formatPluginReport(host.plugins)}\n${formatBuiltins(builtins)}\n`);
    });
  plugins
    .command('add')
    .description('install plugin packages into this project with npm and report what the host now loads')
    .argument('<packages...>', 'npm package specs: names, name@version, tarballs or folders')
    .option('--json', 'machine-readable output')
    .action(async (specs: string[], options: { json?: boolean }) => {
      const global = program.opts<GlobalOptions>();
      const report = await addPlugins(specs, {
        cwd: global.cwd ?? io.cwd,
        discover: async () => (await boot(io, global)).plugins,
        // npm's progress goes to stderr so --json stdout stays clean.
        log: (text) => io.stderr(text),
      });
      if (options.json === true) writeJson(io, report);
      else io.stdout(formatAddReport(report));
      if (report.skipped.length > 0 || report.loaded.length === 0) process.exitCode = ExitCode.Failure;
    });
  plugins
    .command('new')
    .description('create a new plugin package (manifest, source, conformance tests, README) in a new folder')
    .argument('<name>', 'short name (e.g. weather) or full package name (flowsteer-operator-weather)')
    .option('--kind <kind>', 'operator, backend, policy, executor, scorer, trainer, canvas or store', 'operator')
    .option('--dir <path>', 'target folder (default: ./flowsteer-<kind>-<name>)')
    .option('--description <text>', 'one line for package.json and the README')
    .option('--json', 'machine-readable output')
    .action(async (name: string, options: { kind: string; dir?: string; description?: string; json?: boolean }) => {
      const global = program.opts<GlobalOptions>();
      const created = await newPlugin(name, { kind: options.kind, cwd: global.cwd ?? io.cwd, ...(options.dir === undefined ? {} : { dir: options.dir }), ...(options.description === undefined ? {} : { description: options.description }) });
      if (options.json === true) writeJson(io, created);
      else {
        const linked = Object.entries(created.linked).map(([pkg, spec]) => `  ${pkg} → ${spec}`);
        io.stdout(
          [
            `created ${created.packageName} in ${created.directory}`,
            ...created.files.map((f) => `  ${f}`),
            ...(linked.length === 0 ? [] : ['FlowSteer packages are not on npm yet: the plugin uses this checkout\'s (devDependencies):', ...linked]),
            `next: cd ${created.directory} && npm install && npm run build && npm test`,
            `then, in your project: flowsteer plugins add ${created.directory}`,
            '',
          ].join('\n'),
        );
      }
    });
}
