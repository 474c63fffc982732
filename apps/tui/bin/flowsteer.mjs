#!/usr/bin/env node
// The installed command. It exists before the first build, so npm links it on `npm ci` and
// `npx flowsteer` works in the repository as soon as the app is built.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('flowsteer is not built yet: run `npm start` (or `npm run build`) in the repository first\n');
  process.exit(1);
}
await import(main);
