import { AbortError, BackendError, collectStream } from '@flowsteer/core';
import { describe, expect, it } from 'vitest';
import { ScriptedBackend } from '../src/index.js';

describe('ScriptedBackend', () => {
  it('answers in order, repeats the last reply, counts usage and records requests', async () => {
    const backend = new ScriptedBackend(['one two', 'three']);
    const ask = (content: string) => backend.chat({ messages: [{ role: 'user', content }] });
    expect((await ask('a b c')).usage).toEqual({ promptTokens: 3, completionTokens: 2, totalTokens: 5 });
    expect((await ask('x')).text).toBe('three');
    expect((await ask('y')).text).toBe('three');
    expect(backend.requests.map((r) => r.messages[0]?.content)).toEqual(['a b c', 'x', 'y']);
  });

  it('streams pieces that join to the result', async () => {
    const deltas: string[] = [];
    const result = await collectStream(new ScriptedBackend(['a longer answer to split']).stream({ messages: [] }), (d) => deltas.push(d));
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(result.text);
  });

  it('fails with typed errors: scripted outages and aborted signals', async () => {
    await expect(new ScriptedBackend([{ fail: 'down' }]).chat({ messages: [] })).rejects.toBeInstanceOf(BackendError);
    const controller = new AbortController();
    controller.abort();
    const backend = new ScriptedBackend(['x']);
    await expect(backend.chat({ messages: [], signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(backend.calls).toBe(0);
  });
});
