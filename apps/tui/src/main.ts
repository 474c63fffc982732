#!/usr/bin/env node
import { runCli } from './cli.js';

const code = await runCli(process.argv.slice(2));
// Exit once the command is done: a plugin's leftover timer or socket must not keep it alive.
// Flushing first keeps piped output whole.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
