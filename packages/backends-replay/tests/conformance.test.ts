import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScriptedBackend, describeBackendConformance } from '@flowsteer/plugin-testkit';
import { RecordingBackend } from '../src/index.js';

describeBackendConformance('@flowsteer/backends-replay', {
  packageDir: new URL('..', import.meta.url),
  backend: 'replay',
  // Record the suite's requests once against a scripted model; the replay backend then serves them.
  setup: async (requests) => {
    const dir = await mkdtemp(join(tmpdir(), 'flowsteer-replay-conformance-'));
    const cassette = join(dir, 'conformance.cassette.jsonl');
    const recorder = new RecordingBackend(new ScriptedBackend(['Hello, recorded.', 'A streamed sentence, recorded.']), cassette);
    await recorder.chat(requests.chat);
    await recorder.chat(requests.stream);
    return { settings: { options: { cassette } }, teardown: () => rm(dir, { recursive: true, force: true }) };
  },
  failing: async () => ({ settings: { options: { cassette: join(tmpdir(), 'no-such-dir-flowsteer', 'missing.cassette.jsonl') } } }),
});
