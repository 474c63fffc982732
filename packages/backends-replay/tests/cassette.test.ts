import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendError, collectStream, type ChatRequest } from '@flowsteer/core';
import { OpenAiCompatibleBackend } from '@flowsteer/backends-openai';
import { FakeOpenAiServer } from '@flowsteer/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingBackend, ReplayBackend, plugin, requestKey } from '../src/index.js';
import { loadPluginPackage } from '@flowsteer/plugin-testkit';

let server: FakeOpenAiServer | undefined;
let dir = '';
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

const ask = (content: string, temperature = 0): ChatRequest => ({ messages: [{ role: 'user', content }], sampling: { temperature } });

describe('record and replay', () => {
  it('replays a recorded session deterministically without the server', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cassette-'));
    const cassette = join(dir, 'run.cassette.jsonl');
    let n = 0;
    server = await FakeOpenAiServer.start(() => ({ content: `answer ${++n}` }));
    const recorder = new RecordingBackend(new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: 'm' }), cassette);
    expect((await recorder.chat(ask('q1'))).text).toBe('answer 1');
    expect((await collectStream(recorder.stream(ask('q2')))).text).toBe('answer 2');
    expect((await recorder.chat(ask('q1'))).text).toBe('answer 3');
    await server.close();
    server = undefined;

    const replay = await ReplayBackend.load(cassette);
    expect(replay.size).toBe(3);
    expect((await replay.chat(ask('q1'))).text).toBe('answer 1');
    expect((await replay.chat(ask('q1'))).text).toBe('answer 3');
    const streamed: string[] = [];
    expect((await collectStream(replay.stream(ask('q2')), (d) => streamed.push(d))).text).toBe('answer 2');
    expect(streamed).toEqual(['answer 2']);
  });

  it('fails clearly for a request that was not recorded, or recorded fewer times', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cassette-'));
    const cassette = join(dir, 'c.jsonl');
    server = await FakeOpenAiServer.start([{ content: 'only once' }]);
    const recorder = new RecordingBackend(new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: 'm' }), cassette);
    await recorder.chat(ask('hello'));
    const replay = await ReplayBackend.load(cassette);
    await expect(replay.chat(ask('hello', 0.7))).rejects.toThrow(/no recorded response for this request \(key [0-9a-f]{32}, last user message "hello"\)/);
    await replay.chat(ask('hello'));
    const again = await replay.chat(ask('hello')).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(BackendError);
    expect((again as Error).message).toContain('only 1 recorded response(s) for this request, asked for #2');
  });

  it('keys requests canonically and reports unreadable cassettes', async () => {
    expect(requestKey({ messages: [{ role: 'user', content: 'x' }], sampling: { temperature: 0, maxTokens: 5 } })).toBe(requestKey({ messages: [{ role: 'user', content: 'x' }], sampling: { maxTokens: 5, temperature: 0 } }));
    expect(requestKey(ask('x'))).not.toBe(requestKey(ask('y')));
    dir = await mkdtemp(join(tmpdir(), 'cassette-'));
    await writeFile(join(dir, 'bad.jsonl'), '{"hello": 1}\n');
    await expect(ReplayBackend.load(join(dir, 'bad.jsonl'))).rejects.toThrow('is not a flowsteer.cassette file');
    await expect(ReplayBackend.load(join(dir, 'missing.jsonl'))).rejects.toThrow('cannot read cassette');
  });

  it('tolerates a torn last line left by a killed recording', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cassette-'));
    const cassette = join(dir, 'c.jsonl');
    server = await FakeOpenAiServer.start([{ content: 'kept' }]);
    await new RecordingBackend(new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: 'm' }), cassette).chat(ask('a'));
    await appendFile(cassette, '{"key": "abc", "occ');
    const replay = await ReplayBackend.load(cassette);
    expect((await replay.chat(ask('a'))).text).toBe('kept');
    expect((await readFile(cassette, 'utf8')).split('\n')[0]).toContain('"format":"flowsteer.cassette"');
  });

  it('registers the "replay" backend, which needs a cassette option', async () => {
    const { registries } = await loadPluginPackage(new URL('..', import.meta.url));
    await expect(Promise.resolve(registries.backends.get('replay')({}))).rejects.toThrow(/set the cassette file/);
    expect(plugin.meta.name).toBe('@flowsteer/backends-replay');
  });
});
