#!/usr/bin/env node
// @ts-check
// The server side of the serve-env benchmark, in its own process: no executor (the canvas only
// edits), so the benchmark measures the server — HTTP, JSON, sessions, parsing, rendering.
import { EnvServer } from '@flowsteer/env-server';

const server = new EnvServer({ maxSessions: 100_000, maxActionBytes: Number(process.argv[2] ?? 16_384) });
const url = await server.listen(0);
process.stdout.write(`${url}\n`);
process.on('SIGTERM', () => void server.close(1_000).then(() => process.exit(0)));
