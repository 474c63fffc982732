import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkProject, isExported, readWorkspace } from '../src/boundaries.mjs';

let root = '';
afterEach(async () => {
  if (root !== '') await rm(root, { recursive: true, force: true });
});

async function workspace(files: Record<string, string | object>): Promise<string> {
  root = await mkdtemp(join(tmpdir(), 'flowsteer-boundaries-'));
  const all: Record<string, string | object> = { 'package.json': { name: 'ws', private: true, workspaces: ['packages/*'] }, ...files };
  for (const [path, content] of Object.entries(all)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

const core = { name: '@flowsteer/core', exports: { '.': './dist/index.js', './package.json': './package.json' } };
const canvas = {
  name: '@flowsteer/canvas',
  exports: { '.': './dist/index.js', './dsl': './dist/dsl.js', './internal/*': null, './features/*.js': './dist/features/*.js' },
  dependencies: { '@flowsteer/core': '*' },
};

async function rules(projectDir: string): Promise<string[]> {
  const violations = await checkProject({ workspaceRoot: root, projectDir: join(root, projectDir) });
  return violations.map((v) => `${v.rule}@${v.line}`);
}

describe('module boundaries', () => {
  it('accept a clean workspace', async () => {
    await workspace({
      'packages/core/package.json': core,
      'packages/core/src/index.ts': `import { z } from 'zod';\nimport { readFile } from 'node:fs';\nimport { x } from './x.js';`,
      'packages/canvas/package.json': canvas,
      'packages/canvas/src/index.ts': `import { Tokens } from '@flowsteer/core';\nimport { parse } from '@flowsteer/canvas/dsl';\nimport type { F } from '@flowsteer/canvas/features/a.js';`,
      'packages/canvas/tests/a.test.ts': `import { parse } from '../src/dsl.js';`,
    });
    expect(await rules('packages/core')).toEqual([]);
    expect(await rules('packages/canvas')).toEqual([]);
  });

  it('fail when core imports or depends on another workspace package', async () => {
    await workspace({
      'packages/core/package.json': { ...core, dependencies: { '@flowsteer/canvas': '*' } },
      'packages/core/src/index.ts': `export {};\nimport type { Canvas } from '@flowsteer/canvas';\nconst m = await import('@flowsteer/canvas');`,
      'packages/canvas/package.json': canvas,
    });
    expect(await rules('packages/core')).toEqual(['core-isolated@1', 'core-isolated@2', 'core-isolated@3']);
  });

  it('fail on deep imports, null-blocked internals and relative reaches into other packages', async () => {
    await workspace({
      'packages/core/package.json': core,
      'packages/core/src/errors.ts': 'export {};',
      'packages/canvas/package.json': canvas,
      'packages/canvas/src/index.ts': [
        `import { x } from '@flowsteer/core/dist/errors.js';`,
        `import { y } from '@flowsteer/canvas/internal/graph';`,
        `import { z } from '../../core/src/errors.js';`,
        `export * from '@flowsteer/core/src/index';`,
      ].join('\n'),
    });
    expect(await rules('packages/canvas')).toEqual(['no-deep-import@1', 'no-deep-import@2', 'no-relative-cross-package@3', 'no-deep-import@4']);
  });

  it('fail on undeclared workspace dependencies and plugins that bundle core', async () => {
    await workspace({
      'packages/core/package.json': core,
      'packages/canvas/package.json': canvas,
      'packages/cwrpo/package.json': { name: '@flowsteer/cwrpo', dependencies: { '@flowsteer/core': '*' } },
      'packages/cwrpo/src/index.ts': `import { parse } from '@flowsteer/canvas';`,
      'packages/operators-x/package.json': { name: '@flowsteer/operators-x', flowsteer: { kind: 'operator', apiVersion: 1 }, dependencies: { '@flowsteer/core': '*' } },
    });
    expect(await rules('packages/cwrpo')).toEqual(['declared-dependency@1']);
    expect(await rules('packages/operators-x')).toEqual(['plugin-peer-core@1', 'plugin-peer-core@1']);
  });

  it('read exports maps like Node does', () => {
    const map = { '.': './i.js', './a': './a.js', './blocked': null, './lib/*': './dist/*.js', './lib/private/*': null };
    expect(isExported(map, '.')).toBe(true);
    expect(isExported(map, './a')).toBe(true);
    expect(isExported(map, './b')).toBe(false);
    expect(isExported(map, './blocked')).toBe(false);
    expect(isExported(map, './lib/x')).toBe(true);
    expect(isExported(map, './lib/private/x')).toBe(false);
    expect(isExported(undefined, '.')).toBe(true);
    expect(isExported('./main.js', './x')).toBe(false);
  });

  it('list the real workspace packages', async () => {
    const packages = await readWorkspace(join(import.meta.dirname, '..', '..'));
    expect([...packages.keys()]).toEqual(expect.arrayContaining(['@flowsteer/core', '@flowsteer/canvas', 'flowsteer', '@flowsteer/tools']));
  });
});
