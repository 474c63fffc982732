import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const workspaceRoot = fileURLToPath(new URL('.', import.meta.url));

export interface ProjectTestOptions {
  /** Extra per-test timeout for suites that start real processes (pyodide, npm, the CLI). */
  readonly testTimeout?: number;
}

/**
 * One vitest config for every project. Each run also writes a JSON report to
 * `.test-results/<name>.json`, which `.ci/run` sums into its closing count line.
 */
export function projectTestConfig(name: string, options: ProjectTestOptions = {}): ViteUserConfig {
  return defineConfig({
    test: {
      name,
      include: ['tests/**/*.test.{ts,tsx}'],
      testTimeout: options.testTimeout ?? 10_000,
      // Set-up hooks start the same real processes and models as the tests, on the same busy machine.
      hookTimeout: options.testTimeout ?? 10_000,
      reporters: ['default', ['json', { outputFile: `${workspaceRoot}.test-results/${name}.json` }]],
    },
  });
}
