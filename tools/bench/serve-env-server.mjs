#!/usr/bin/env node
// @ts-check
// The server side of the serve-env benchmark, in its own process: no executor (the canvas only
// edits), so the benchmark measures the server — HTTP, JSON, sessions, parsing, rendering.
// SERVE_ENV_MODULE names another build of the package (a file path) to compare two builds.
import { pathToFileURL } from 'node:url';

const modulePath = process.env['SERVE_ENV_MODULE'];
/** @type {typeof import('@flowsteer/env-server')} */
const { EnvServer } = modulePath === undefined || modulePath === '' ? await import('@flowsteer/env-server') : await import(pathToFileURL(modulePath).href);
const server = new EnvServer({ maxSessions: 100_000, maxActionBytes: Number(process.argv[2] ?? 16_384) });
const url = await server.listen(0);
process.stdout.write(`${url}\n`);
// The benchmark asks for this process's CPU time around each phase (server CPU per step).
process.on('message', () => process.send?.(process.cpuUsage()));
process.on('SIGTERM', () => void server.close(1_000).then(() => process.exit(0)));
