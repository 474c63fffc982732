import type { Store, StoreFactory } from '@flowsteer/core';
import { describe, expect, it } from 'vitest';
import { loadForSuite, scratchDir, type SlotConformanceOptions } from './shared.js';

/** Checks a store plugin: documents and record streams round-trip, and hostile keys never escape. */
export function describeStoreConformance(title: string, options: SlotConformanceOptions): void {
  describe(`${title}: store plugin conformance`, () => {
    const slot = loadForSuite(options, 'stores');
    const scratch = scratchDir('flowsteer-store-conformance-');
    let count = 0;
    const create = (): Store => slot.get<StoreFactory>()({ dir: `${scratch()}/store-${count++}`, options: {} });

    it('round-trips documents, deletes them and lists by prefix', async () => {
      const store = create();
      expect(await store.get('sessions/none')).toBeUndefined();
      await store.put('sessions/a', { turns: [1, 2], text: 'ünïcödé' });
      await store.put('sessions/b', { turns: [] });
      await store.put('exports/c', 'x');
      expect(await store.get('sessions/a')).toEqual({ turns: [1, 2], text: 'ünïcödé' });
      expect([...(await store.list('sessions/'))].sort()).toEqual(['sessions/a', 'sessions/b']);
      expect(await store.delete('sessions/b')).toBe(true);
      expect(await store.delete('sessions/b')).toBe(false);
      await store.put('sessions/a', { turns: [3] });
      expect(await store.get('sessions/a')).toEqual({ turns: [3] });
    });

    it('appends records in order and reads them back', async () => {
      const store = create();
      expect(await store.read('results')).toEqual([]);
      for (let i = 0; i < 20; i++) await store.append('results', { i });
      expect(await store.read('results')).toEqual(Array.from({ length: 20 }, (_, i) => ({ i })));
    });

    it('refuses or contains keys that try to leave the store', async () => {
      const store = create();
      for (const key of ['../escape', '/etc/flowsteer-escape', 'a/../../escape']) {
        try {
          await store.put(key, 'x');
        } catch {
          continue; // refusing is fine
        }
        expect(await store.get(key), `${key} was stored but cannot be read back`).toBe('x');
        expect(await create().get('escape')).toBeUndefined();
      }
    });
  });
}
