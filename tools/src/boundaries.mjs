// @ts-check
/**
 * Module-boundary rules for the workspace, enforced by each project's `lint` target:
 * - `@flowsteer/core` depends on no other workspace package;
 * - imports of another workspace package go through its `exports` map (no deep imports);
 * - no relative import reaches into another package's directory;
 * - a workspace package that is imported is declared in package.json;
 * - plugins (packages with a "flowsteer" manifest) peer-depend on @flowsteer/core.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const CORE = '@flowsteer/core';
const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.jsx'];
const SCANNED_DIRS = ['src', 'tests', 'bench'];

/**
 * @typedef {{ name: string; dir: string; pkg: Record<string, any> }} WorkspacePackage
 * @typedef {{ file: string; line: number; rule: string; message: string }} Violation
 */

/** @param {string} path */
async function readJson(path) {
  return JSON.parse(await readFile(path, 'utf8'));
}

/** @param {string} path */
async function isDir(path) {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Workspace packages from the root package.json `workspaces` (plain dirs and `dir/*` globs).
 * @param {string} workspaceRoot
 * @returns {Promise<Map<string, WorkspacePackage>>}
 */
export async function readWorkspace(workspaceRoot) {
  const root = await readJson(join(workspaceRoot, 'package.json'));
  /** @type {string[]} */
  const patterns = Array.isArray(root.workspaces) ? root.workspaces : (root.workspaces?.packages ?? []);
  /** @type {string[]} */
  const dirs = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('/*')) {
      const base = join(workspaceRoot, pattern.slice(0, -2));
      const entries = (await isDir(base)) ? await readdir(base) : [];
      for (const entry of entries.sort()) dirs.push(join(base, entry));
    } else {
      dirs.push(join(workspaceRoot, pattern));
    }
  }
  /** @type {Map<string, WorkspacePackage>} */
  const packages = new Map();
  for (const dir of dirs) {
    try {
      const pkg = await readJson(join(dir, 'package.json'));
      packages.set(pkg.name, { name: pkg.name, dir, pkg });
    } catch {
      // Not a package (no package.json): nothing to check.
    }
  }
  return packages;
}

/** @param {string} dir @returns {Promise<string[]>} */
async function sourceFiles(dir) {
  if (!(await isDir(dir))) return [];
  const entries = await readdir(dir, { recursive: true });
  return entries
    .filter((entry) => SOURCE_EXTENSIONS.some((ext) => entry.endsWith(ext)) && !entry.endsWith('.d.ts'))
    .filter((entry) => !entry.split(sep).some((part) => part === 'node_modules' || part === 'dist' || part === 'fixtures'))
    .map((entry) => join(dir, entry))
    .sort();
}

/** @param {string} specifier */
function splitSpecifier(specifier) {
  const parts = specifier.split('/');
  const nameParts = specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1);
  const rest = parts.slice(nameParts.length).join('/');
  return { name: nameParts.join('/'), subpath: rest === '' ? '.' : `./${rest}` };
}

/**
 * Whether `subpath` is reachable through an exports map (exact keys and `*` patterns; a null
 * target blocks the path).
 * @param {unknown} exportsField @param {string} subpath
 */
export function isExported(exportsField, subpath) {
  if (exportsField === undefined) return subpath === '.';
  if (typeof exportsField === 'string' || Array.isArray(exportsField)) return subpath === '.';
  if (typeof exportsField !== 'object' || exportsField === null) return false;
  const map = /** @type {Record<string, unknown>} */ (exportsField);
  const keys = Object.keys(map);
  if (!keys.some((key) => key.startsWith('.'))) return subpath === '.';
  if (subpath in map) return map[subpath] !== null;
  let best = /** @type {string | undefined} */ (undefined);
  for (const key of keys) {
    const star = key.indexOf('*');
    if (star === -1) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      if (best === undefined || prefix.length > best.indexOf('*')) best = key;
    }
  }
  return best !== undefined && map[best] !== null;
}

/** @param {Record<string, any>} pkg */
function declaredDependencies(pkg) {
  return new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.devDependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
  ]);
}

/** @param {string} text @param {number} pos */
function lineOf(text, pos) {
  return text.slice(0, pos).split('\n').length;
}

/**
 * Checks one project directory against the rules above.
 * @param {{ workspaceRoot: string; projectDir: string; workspace?: Map<string, WorkspacePackage> }} options
 * @returns {Promise<Violation[]>}
 */
export async function checkProject(options) {
  const workspace = options.workspace ?? (await readWorkspace(options.workspaceRoot));
  const projectDir = resolve(options.projectDir);
  const own = [...workspace.values()].find((p) => resolve(p.dir) === projectDir);
  if (own === undefined) throw new Error(`${projectDir} is not a workspace package`);
  /** @type {Violation[]} */
  const violations = [];
  const manifestFile = join(own.dir, 'package.json');
  const declared = declaredDependencies(own.pkg);

  if (own.name === CORE) {
    for (const dep of declared) {
      if (workspace.has(dep)) violations.push({ file: manifestFile, line: 1, rule: 'core-isolated', message: `${CORE} must not depend on workspace package ${dep}` });
    }
  }
  if (own.pkg.flowsteer !== undefined) {
    if (own.pkg.peerDependencies?.[CORE] === undefined) {
      violations.push({ file: manifestFile, line: 1, rule: 'plugin-peer-core', message: `plugin ${own.name} must list ${CORE} in peerDependencies` });
    }
    if (own.pkg.dependencies?.[CORE] !== undefined) {
      violations.push({ file: manifestFile, line: 1, rule: 'plugin-peer-core', message: `plugin ${own.name} must not bundle ${CORE} as a dependency` });
    }
  }

  const otherDirs = [...workspace.values()].filter((p) => p !== own).map((p) => ({ name: p.name, dir: resolve(p.dir) }));
  for (const scanned of SCANNED_DIRS) {
    for (const file of await sourceFiles(join(own.dir, scanned))) {
      const text = await readFile(file, 'utf8');
      const info = ts.preProcessFile(text, true, true);
      for (const ref of info.importedFiles) {
        const specifier = ref.fileName;
        const line = lineOf(text, ref.pos);
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          const inside = otherDirs.find((p) => target === p.dir || target.startsWith(p.dir + sep));
          if (inside !== undefined && !(projectDir.startsWith(inside.dir + sep))) {
            violations.push({ file, line, rule: 'no-relative-cross-package', message: `relative import "${specifier}" reaches into ${inside.name}; import "${inside.name}" instead` });
          }
          continue;
        }
        if (specifier.startsWith('node:')) continue;
        const { name, subpath } = splitSpecifier(specifier);
        const target = workspace.get(name);
        if (target === undefined) continue;
        if (own.name === CORE && name !== CORE) {
          violations.push({ file, line, rule: 'core-isolated', message: `${CORE} must not import workspace package ${name}` });
          continue;
        }
        if (!isExported(target.pkg.exports, subpath)) {
          violations.push({ file, line, rule: 'no-deep-import', message: `"${specifier}" is not in ${name}'s exports map; use its public entry points` });
        }
        if (name !== own.name && !declared.has(name)) {
          violations.push({ file, line, rule: 'declared-dependency', message: `${name} is imported but not declared in ${relative(options.workspaceRoot, manifestFile)}` });
        }
      }
    }
  }
  return violations;
}

/** @param {Violation[]} violations @param {string} root */
export function formatViolations(violations, root) {
  return violations.map((v) => `${relative(root, v.file)}:${v.line}: [${v.rule}] ${v.message}`).join('\n');
}

/**
 * The workspace root: the nearest ancestor whose package.json declares workspaces.
 * @param {string} start
 */
export async function findWorkspaceRoot(start) {
  let dir = resolve(start);
  for (;;) {
    try {
      const pkg = await readJson(join(dir, 'package.json'));
      if (pkg.workspaces !== undefined) return dir;
    } catch {
      // keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no workspace root above ${start}`);
    dir = parent;
  }
}
