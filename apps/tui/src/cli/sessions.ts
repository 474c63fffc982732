import type { Command } from 'commander';
import { Tokens, resolveToken, terminalSafeLine } from '@flowsteer/core';
import { CliUsageError } from '../errors.js';
import { builtinCanvasState, checkSnapshot, listSessions } from '../session/session.js';
import { boot, writeJson, type GlobalOptions, type CliIo } from './shared.js';

/** `flowsteer sessions`. */
export function registerSessions(program: Command, io: CliIo): void {
  const sessions = program.command('sessions').description('saved interactive sessions');
  sessions
    .command('list')
    .description('list saved sessions, newest first')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      const list = await listSessions(resolveToken(host.container, Tokens.Store));
      if (options.json === true) writeJson(io, list);
      else {
        const line = (s: (typeof list)[number]): string =>
          s.damaged === undefined ? `${s.id}  ${s.updatedAt}  ${s.finished ? 'finished' : `${s.turns} turns`}  ${terminalSafeLine(s.task).replace(/\s+/g, ' ').slice(0, 50)}  ${s.dsl}` : `${s.id}  DAMAGED: ${s.damaged}`;
        io.stdout(list.length === 0 ? 'no saved sessions\n' : `${list.map(line).join('\n')}\n`);
        const good = list.find((s) => s.damaged === undefined);
        if (good !== undefined) io.stdout(`resume with: flowsteer tui --resume ${good.id}   (or --resume latest, or --resume to pick)\n`);
      }
    });
  sessions
    .command('export')
    .description("print a saved session's workflow as JSON, DSL or Mermaid")
    .argument('<id>', 'session id')
    .option('--format <format>', 'json, dsl or mermaid', 'dsl')
    .action(async (id: string, options: { format: string }) => {
      const host = await boot(io, program.opts<GlobalOptions>());
      const value = await resolveToken(host.container, Tokens.Store).get<unknown>(`sessions/${id}`);
      if (value === undefined) throw new CliUsageError(`no saved session "${id}" (see flowsteer sessions list)`);
      const snapshot = checkSnapshot(value, `saved session ${id}`);
      const state = builtinCanvasState(snapshot.canvas);
      if (state === undefined) {
        // A plugin canvas's snapshot is opaque here: its workflow is what its turns reported.
        const dsl = snapshot.turns[snapshot.turns.length - 1]?.dsl ?? '';
        if (options.format === 'json') writeJson(io, { task: snapshot.task, dsl, final: snapshot.final ?? null });
        else if (options.format === 'dsl' || options.format === 'mermaid') io.stdout(`${options.format === 'mermaid' ? '%% ' : ''}${dsl}\n`);
        else throw new CliUsageError('--format must be json, dsl or mermaid');
        return;
      }
      const { CanvasEnv, toMermaid } = await import('@flowsteer/canvas');
      const env = new CanvasEnv();
      env.restore(snapshot.canvas as Parameters<typeof env.restore>[0]);
      if (options.format === 'dsl') io.stdout(`${env.graph.toDsl()}\n`);
      else if (options.format === 'mermaid') io.stdout(`${toMermaid(env.graph)}\n`);
      else if (options.format === 'json') writeJson(io, { task: snapshot.task, dsl: env.graph.toDsl(), nodes: env.graph.snapshot().nodes, prompts: env.graph.prompts(), final: snapshot.final ?? null });
      else throw new CliUsageError('--format must be json, dsl or mermaid');
    });
}
