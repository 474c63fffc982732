import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FlowSteerError } from '@flowsteer/core';

/** Another app has the session open: two writers would overwrite each other's turns. */
export class SessionLockedError extends FlowSteerError {
  constructor(id: string, pid: number) {
    super('STORE_FAILED', `session ${id} is open in another flowsteer (process ${pid}); quit that one first`, { details: { id, pid } });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive lock on one session: a file created with O_EXCL holding the owner's pid. A lock
 * left by a process that is gone (killed, crashed) is taken over.
 */
export async function lockSession(storeDir: string, id: string): Promise<() => Promise<void>> {
  const dir = join(storeDir, 'locks');
  const path = join(dir, `${id}.lock`);
  await mkdir(dir, { recursive: true });
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
        if (owner === process.pid) await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) throw new SessionLockedError(id, owner);
      await unlink(path).catch(() => undefined);
    }
  }
  throw new FlowSteerError('STORE_FAILED', `cannot lock session ${id} (${path})`);
}
