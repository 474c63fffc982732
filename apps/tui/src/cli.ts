// The CLI lives in ./cli/: one file per command, the program and exit handling in program.ts.
export { buildProgram, runCli } from './cli/program.js';
export { CanvasConfigSection, ExitCode, pluginListJson, type CliIo } from './cli/shared.js';
