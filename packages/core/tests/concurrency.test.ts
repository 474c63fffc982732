import { describe, expect, it } from 'vitest';
import { AbortError, Semaphore, backoffDelay, sleep } from '../src/index.js';

describe('Semaphore', () => {
  it('never lets more than capacity tasks run at once and serves waiters in order', async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        semaphore.run(async () => {
          running++;
          peak = Math.max(peak, running);
          order.push(i);
          await sleep(5);
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(semaphore.inUse).toBe(0);
  });

  it('cancels a waiter without leaking its permit', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
    release();
    release(); // double release is harmless
    expect(semaphore.inUse).toBe(0);
    const again = await semaphore.acquire();
    expect(semaphore.inUse).toBe(1);
    again();
  });

  it('rejects a bad capacity', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});

describe('sleep and backoff', () => {
  it('sleep aborts early', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = sleep(10_000, controller.signal);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('backoff grows exponentially up to the cap', () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, 100, 1_000, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(3, 100, 1_000, () => 0)).toBe(0);
  });
});
