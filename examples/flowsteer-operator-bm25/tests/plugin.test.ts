import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, EventBus, StepInputSchema, UsageLedger, type OperatorContext } from '@flowsteer/core';
import { describeOperatorConformance, loadPluginPackage, ScriptedBackend } from '@flowsteer/plugin-testkit';
import { describe, expect, it } from 'vitest';
import { createRetrieve } from '../src/index.js';

const docs = fileURLToPath(new URL('./docs', import.meta.url));
const packageDir = new URL('..', import.meta.url);

describeOperatorConformance('flowsteer-operator-bm25', {
  packageDir,
  pluginOptions: { documents: docs, topK: 2 },
  cases: {
    Retrieve: {
      input: { problem: 'At which city does the Tagus reach the Atlantic?' },
      check: (out) => expect(out).toMatchObject({ fields: { sources: 'rivers.md#0, notes/bridges.md#0' } }),
    },
  },
});

function context(signal = new AbortController().signal): { ctx: OperatorContext; ledger: UsageLedger } {
  const ledger = new UsageLedger();
  return { ledger, ctx: { nodeId: 'n1', turn: 1, runId: 't', backend: new ScriptedBackend(), signal, usage: ledger.child({ nodeId: 'n1', operator: 'Retrieve', turn: 1 }), events: new EventBus() } };
}

describe('Retrieve', () => {
  it('returns the best passages with their sources, relative to the project directory', async () => {
    const retrieve = createRetrieve({ documents: 'tests/docs', topK: 1, passageChars: 200 }, fileURLToPath(packageDir));
    const { ctx, ledger } = context();
    const out = await retrieve.run(StepInputSchema.parse({ problem: 'Which volcano did sailors call a lighthouse?' }), ctx);
    expect(out.response).toMatch(/^Retrieved passages:\n\[1\] \(volcanoes\.txt\) Stromboli, north of Sicily/);
    expect(out.fields).toMatchObject({ sources: 'volcanoes.txt#1' });
    expect(ledger.total()).toMatchObject({ calls: 1, totalTokens: 0 });
  });

  it('says plainly when nothing matches', async () => {
    const { ctx } = context();
    const out = await createRetrieve({ documents: docs }, '/').run(StepInputSchema.parse({ problem: 'quantum chromodynamics' }), ctx);
    expect(out).toEqual({ response: 'No passage in the document collection matches this problem.', fields: { sources: '' } });
  });

  it('names the config key when the folder is missing or empty, and recovers once it is fixed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bm25-'));
    try {
      const retrieve = createRetrieve({ documents: join(dir, 'corpus') }, '/');
      const input = StepInputSchema.parse({ problem: 'Tagus' });
      await expect(retrieve.run(input, context().ctx)).rejects.toThrow(/config key "plugins\.options\.flowsteer-operator-bm25\.documents".*does not exist/);
      await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'corpus')));
      await expect(retrieve.run(input, context().ctx)).rejects.toThrow(/no \.md or \.txt documents/);
      await writeFile(join(dir, 'corpus', 'a.txt'), 'The Tagus meets the sea at Lisbon.');
      expect((await retrieve.run(input, context().ctx)).fields?.['sources']).toBe('a.txt#0');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad options at load time, so the host skips it with the key in the reason', async () => {
    expect(() => createRetrieve({ topK: 0 }, '/')).toThrow(ConfigError);
    await expect(loadPluginPackage(packageDir, { pluginOptions: { topk: 3 } })).rejects.toThrow(/REGISTER_FAILED.*plugins\.options\.flowsteer-operator-bm25/);
  });
});
