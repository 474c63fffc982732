#!/usr/bin/env node
// Checks what users of each published package get: the packed file list has LICENSE and README
// and no sources, tests or source maps; package.json names a license, repository and engines and
// uses caret ranges for libraries; and `attw --profile esm-only` finds no type resolution problem.
// Usage: node tools/src/check-packages.mjs [--no-attw]   (attw runs through npx, pinned below)
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ATTW = '@arethetypeswrong/cli@0.18.5';
/** Exact on purpose: pyodide's npm package is the Python runtime the sandbox is tested against. */
const EXACT_ALLOWED = new Set(['pyodide']);
const root = fileURLToPath(new URL('../..', import.meta.url));

function published() {
  const dirs = ['packages', 'examples'].flatMap((base) => readdirSync(join(root, base)).map((name) => join(base, name)));
  return dirs.filter((dir) => existsSync(join(root, dir, 'package.json'))).map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) })).filter(({ pkg }) => pkg.private !== true);
}

/** @type {string[]} */
const problems = [];
for (const { dir, pkg } of published()) {
  const problem = (/** @type {string} */ text) => problems.push(`${pkg.name} (${dir}): ${text}`);
  for (const key of ['license', 'repository', 'engines']) if (pkg[key] === undefined) problem(`package.json has no "${key}"`);
  for (const [name, range] of Object.entries(pkg.dependencies ?? {})) {
    if (/^\d+\.\d+\.\d+$/.test(range) && !EXACT_ALLOWED.has(name)) problem(`dependency ${name} is pinned to ${range}; use ^${range}`);
  }
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: join(root, dir), encoding: 'utf8' }));
  const files = packed.files.map((/** @type {{ path: string }} */ f) => f.path);
  for (const required of ['LICENSE', 'README.md', 'package.json']) if (!files.includes(required)) problem(`the tarball has no ${required}`);
  for (const file of files) {
    if (file.endsWith('.map')) problem(`the tarball ships a source map (${file}) that points at unshipped sources`);
    if (/^(src|tests)\//.test(file)) problem(`the tarball ships ${file}`);
  }
  if (!process.argv.includes('--no-attw')) {
    try {
      execFileSync('npx', ['-y', ATTW, '--pack', '.', '--profile', 'esm-only', '--format', 'ascii'], { cwd: join(root, dir), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const output = /** @type {{ stdout?: string; stderr?: string }} */ (error);
      problem(`attw --profile esm-only failed:\n${output.stdout ?? ''}${output.stderr ?? ''}`);
    }
  }
  process.stdout.write(`${problems.some((p) => p.startsWith(`${pkg.name} `)) ? '✗' : '✓'} ${pkg.name}\n`);
}
if (problems.length > 0) {
  process.stderr.write(`\n${problems.join('\n')}\n`);
  process.exit(1);
}
