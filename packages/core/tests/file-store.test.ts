import { spawn } from 'node:child_process';
import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileStore, StoreError, writeFileAtomic } from '../src/index.js';
import { tempDir } from './helpers.js';

describe('FileStore', () => {
  it('puts, gets, lists and deletes documents', async () => {
    const store = new FileStore(await tempDir());
    expect(await store.get('sessions/a')).toBeUndefined();
    await store.put('sessions/a', { turn: 1 });
    await store.put('sessions/b', { turn: 2 });
    await store.put('checkpoint', { step: 9 });
    expect(await store.get('sessions/a')).toEqual({ turn: 1 });
    expect(await store.list()).toEqual(['checkpoint', 'sessions/a', 'sessions/b']);
    expect(await store.list('sessions/')).toEqual(['sessions/a', 'sessions/b']);
    expect(await store.delete('sessions/a')).toBe(true);
    expect(await store.delete('sessions/a')).toBe(false);
    expect(await store.list('sessions/')).toEqual(['sessions/b']);
  });

  it('rejects keys that could escape the store directory', async () => {
    const store = new FileStore(await tempDir());
    for (const key of ['../x', 'a/../../b', '/abs', '', 'a//b', '.hidden']) {
      await expect(store.put(key, 1), key).rejects.toBeInstanceOf(StoreError);
    }
  });

  it('appends records in order, even when appends race', async () => {
    const store = new FileStore(await tempDir());
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.append('rollouts', { i })));
    const records = await store.read<{ i: number }>('rollouts');
    expect(records.map((r) => r.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('drops a final line cut short by a crash but reports corruption in the middle', async () => {
    const dir = await tempDir();
    const store = new FileStore(dir);
    await store.append('results', { id: 1 });
    await appendFile(join(dir, 'results.jsonl'), '{"id": 2, "sco');
    expect(await store.read('results')).toEqual([{ id: 1 }]);
    await store.append('broken', { id: 1 });
    await appendFile(join(dir, 'broken.jsonl'), 'not json\n{"id":3}\n');
    await expect(store.read('broken')).rejects.toThrow(/broken\.jsonl:2 is not valid JSON/);
  });

  it('reports a corrupt document with its path', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'doc.json'), '{oops');
    await expect(new FileStore(dir).get('doc')).rejects.toThrow(/doc\.json is not valid JSON/);
  });
});

describe('writeFileAtomic', () => {
  it('leaves no temp files behind', async () => {
    const dir = await tempDir();
    await writeFileAtomic(join(dir, 'a.json'), 'one');
    await writeFileAtomic(join(dir, 'a.json'), 'two');
    expect(await readFile(join(dir, 'a.json'), 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['a.json']);
  });

  it('never exposes a torn document when the writer is killed with SIGKILL', async () => {
    const dir = await tempDir();
    const target = join(dir, 'checkpoint.json');
    const moduleUrl = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'atomic.js')).href;
    // The child rewrites a large document in a loop; we kill it at an arbitrary moment.
    const script = `
      const { writeFileAtomic } = await import(${JSON.stringify(moduleUrl)});
      const payload = (n) => JSON.stringify({ n, data: 'x'.repeat(2_000_000) });
      await writeFileAtomic(${JSON.stringify(target)}, payload(0));
      process.stdout.write('ready\\n');
      for (let n = 1; ; n++) await writeFileAtomic(${JSON.stringify(target)}, payload(n));
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    const parsed = JSON.parse(await readFile(target, 'utf8')) as { n: number; data: string };
    expect(parsed.data).toHaveLength(2_000_000);
    expect(parsed.n).toBeGreaterThanOrEqual(0);
  });
});
