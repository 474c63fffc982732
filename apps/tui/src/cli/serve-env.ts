import type { Command } from 'commander';
import { EnvServer } from '../commands/train.js';
import { boot, nonNegativeInt, type CliIo, type GlobalOptions } from './shared.js';

/** `flowsteer serve-env`. */
export function registerServeEnv(program: Command, io: CliIo): void {
  program
    .command('serve-env')
    .description('serve the Workflow Canvas over HTTP (POST /reset, POST /step) for external trainers of LLM policies')
    .option('--port <n>', 'port', (v) => nonNegativeInt(v, '--port'), 8765)
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--min-operators <n>', 'operators required to finish (default: canvas.minOperators)', (v) => nonNegativeInt(v, '--min-operators'))
    .option('--no-checker', 'do not require solver and checker operators to finish')
    .option('--no-structure', 'do not require a structure to finish')
    .action(async (options: { port: number; host: string; minOperators?: number; checker: boolean; structure: boolean }) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      // The config's canvas section, with any flag given on top.
      const settings = host.config.config.canvas;
      const server = new EnvServer({ canvas: { maxRounds: settings.maxRounds, minOperators: options.minOperators ?? settings.minOperators, requireChecker: options.checker && settings.requireChecker, requireStructure: options.structure && settings.requireStructure } });
      const url = await server.listen(options.port, options.host);
      io.stdout(`serving the canvas at ${url} (POST /reset, POST /step, GET /health); Ctrl-C stops\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
