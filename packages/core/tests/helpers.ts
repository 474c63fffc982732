import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

const created: string[] = [];

/** A fresh temporary directory, removed after the test. */
export async function tempDir(prefix = 'flowsteer-core-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Writes files given as `{relativePath: content}` under `root`; objects are written as JSON. */
export async function writeTree(root: string, files: Record<string, string | object>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
}

export interface FixturePluginOptions {
  readonly name: string;
  readonly kind?: 'operator' | 'backend' | 'policy';
  readonly apiVersion?: number;
  /** Body of the ESM entry module. */
  readonly source: string;
  readonly manifest?: object | null;
}

/** Files of a plugin package whose entry is `index.js`. */
export function pluginPackage(options: FixturePluginOptions): Record<string, string | object> {
  const manifest = options.manifest === undefined ? { kind: options.kind ?? 'operator', apiVersion: options.apiVersion ?? 1 } : options.manifest;
  return {
    'package.json': {
      name: options.name,
      version: '1.2.3',
      type: 'module',
      main: 'index.js',
      ...(manifest === null ? {} : { flowsteer: manifest }),
    },
    'index.js': options.source,
  };
}

/** An operator plugin module exporting a plain object that registers one echo operator. */
export function operatorPluginSource(pluginName: string, operatorName: string, version = '1.2.3'): string {
  return `
const echo = {
  name: ${JSON.stringify(operatorName)},
  category: 'solver',
  description: 'Echoes its input.',
  inputSchema: { safeParse: (x) => ({ success: true, data: x }) },
  outputSchema: { safeParse: (x) => ({ success: true, data: x }) },
  async run(inputs) { return { response: String(inputs.input) }; },
};
export default {
  meta: { name: ${JSON.stringify(pluginName)}, version: ${JSON.stringify(version)}, apiVersion: 1 },
  register(api) { api.registerOperator(echo); },
};
`;
}
