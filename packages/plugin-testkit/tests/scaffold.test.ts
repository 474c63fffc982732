import { describe, expect, it } from 'vitest';
import { ScaffoldError, pluginScaffold } from '../src/scaffold.js';

describe('pluginScaffold', () => {
  it('names workspace and third-party packages by kind', () => {
    expect(pluginScaffold({ name: 'bm25', kind: 'operator', layout: 'workspace' })).toMatchObject({ packageName: '@flowsteer/operators-bm25', directory: 'packages/operators-bm25', symbol: 'Bm25' });
    expect(pluginScaffold({ name: 'my-llm', kind: 'backend', layout: 'standalone' })).toMatchObject({ packageName: 'flowsteer-backend-my-llm', directory: 'flowsteer-backend-my-llm', symbol: 'MyLlm' });
    expect(pluginScaffold({ name: '@acme/flowsteer-operator-search', kind: 'operator', layout: 'standalone' })).toMatchObject({ packageName: '@acme/flowsteer-operator-search', directory: 'flowsteer-operator-search', symbol: 'Search' });
  });

  it('writes a manifest discovery accepts, a conformance test and, in the workspace, a changeset', () => {
    const scaffold = pluginScaffold({ name: 'bm25', kind: 'operator', layout: 'workspace' });
    const pkg = JSON.parse(scaffold.files['package.json'] ?? '{}') as Record<string, unknown>;
    expect(pkg['flowsteer']).toEqual({ kind: 'operator', apiVersion: 1, entry: './dist/plugin.js' });
    expect(pkg['peerDependencies']).toEqual({ '@flowsteer/core': '>=0.1.0 <1.0.0' });
    expect(scaffold.files['tests/plugin.test.ts']).toContain("describeOperatorConformance('Bm25'");
    expect(scaffold.changeset).toEqual({ path: '.changeset/operators-bm25.md', content: expect.stringContaining('"@flowsteer/operators-bm25": minor') });
    const standalone = pluginScaffold({ name: 'bm25', kind: 'operator', layout: 'standalone' });
    expect(standalone.changeset).toBeUndefined();
    expect(JSON.parse(standalone.files['package.json'] ?? '{}').devDependencies).toMatchObject({ '@flowsteer/plugin-testkit': '^0.1.0', vitest: '^4.1.0' });
  });

  it('refuses names that cannot become a package and an operator', () => {
    expect(() => pluginScaffold({ name: 'Bad Name', kind: 'operator', layout: 'workspace' })).toThrow(ScaffoldError);
    expect(() => pluginScaffold({ name: '9lives', kind: 'operator', layout: 'workspace' })).toThrow(/lowercase letters/);
    expect(() => pluginScaffold({ name: 'flowsteer-backend-x', kind: 'operator', layout: 'standalone' })).toThrow(/names a backend package/);
  });
});
