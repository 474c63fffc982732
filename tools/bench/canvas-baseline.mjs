// @ts-check
/**
 * Builds the canvas package of a git ref for comparison benchmarks: `git archive` of the ref's
 * packages/canvas and tsconfig.base.json into node_modules/.cache/flowsteer-bench/canvas-<sha>,
 * compiled with the workspace's TypeScript. It resolves @flowsteer/core and zod from the
 * workspace, so only the canvas code differs. Cached per commit.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** @param {string[]} args */
const git = (args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();

/** The default baseline: where this branch left `main` (today's build), else HEAD. */
export function defaultBaselineRef() {
  try {
    return git(['merge-base', 'HEAD', 'main']);
  } catch {
    return 'HEAD';
  }
}

/** @param {string} ref @returns {{ sha: string, entry: string }} */
export function buildBaseline(ref) {
  const sha = git(['rev-parse', '--verify', `${ref}^{commit}`]);
  const dir = join(root, 'node_modules', '.cache', 'flowsteer-bench', `canvas-${sha.slice(0, 12)}`);
  const entry = join(dir, 'packages', 'canvas', 'dist', 'index.js');
  if (existsSync(entry)) return { sha, entry };
  mkdirSync(dir, { recursive: true });
  const archive = execFileSync('git', ['archive', '--format=tar', sha, 'packages/canvas/src', 'packages/canvas/tsconfig.lib.json', 'packages/canvas/package.json', 'tsconfig.base.json'], { cwd: root });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(dir, 'packages', 'canvas', 'tsconfig.lib.json'), '--sourceMap', 'false', '--declarationMap', 'false'], { cwd: dir, stdio: 'inherit' });
  writeFileSync(join(dir, 'BUILT_FROM'), `${sha}\n`);
  return { sha, entry };
}
