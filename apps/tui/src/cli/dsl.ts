import type { Command } from 'commander';
import { dslParse, dslRender, readInput } from '../commands/canvas.js';
import { writeJson, type CliIo } from './shared.js';

/** `flowsteer dsl`. */
export function registerDsl(program: Command, io: CliIo): void {
  const dsl = program.command('dsl').description('parse and render workflow DSL');
  dsl
    .command('parse')
    .description('parse a DSL string into graph nodes (errors name the column)')
    .argument('<dsl>', 'e.g. "Plan -> [Custom, Programmer] -> ScEnsemble -> Verify ? Revise : done"')
    .option('--reference', 'use the reference canvas-side parser (drops unknown parts, splits loops)')
    .option('--mermaid', 'print a Mermaid flowchart instead of JSON')
    .action((text: string, options: { reference?: boolean; mermaid?: boolean }) => {
      const parsed = dslParse(text, options.reference === true);
      if (options.mermaid === true) io.stdout(`${parsed.mermaid}\n`);
      else writeJson(io, { dsl: parsed.dsl, nodes: parsed.nodes });
    });
  dsl
    .command('render')
    .description('render graph JSON (canvas snapshot, {"nodes": [...]}, or a node array) as canonical DSL')
    .argument('[file]', 'JSON file, or - for standard input', '-')
    .action(async (file: string) => {
      io.stdout(`${dslRender(await readInput(file, io.stdin))}\n`);
    });
}
