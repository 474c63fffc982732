import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sandbox, SandboxFactory, SandboxSettings } from '@flowsteer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadForSuite, scratchDir, type SlotConformanceOptions } from './shared.js';

export interface SandboxConformanceOptions extends SlotConformanceOptions {
  readonly settings?: SandboxSettings;
}

/**
 * Checks a sandbox plugin with hostile programs: results are typed, exceptions are named, a
 * runaway program is stopped at its deadline, and files of the host cannot be read.
 */
export function describeSandboxConformance(title: string, options: SandboxConformanceOptions): void {
  describe(`${title}: sandbox plugin conformance`, () => {
    const slot = loadForSuite(options, 'sandboxes');
    const scratch = scratchDir('flowsteer-sandbox-conformance-');
    let sandbox: Sandbox | undefined;
    const timeout = options.timeoutMs ?? 60_000;
    beforeAll(async () => {
      sandbox = await slot.get<SandboxFactory>()(options.settings ?? {});
    }, timeout);
    afterAll(async () => {
      await sandbox?.close();
    });
    const box = (): Sandbox => {
      if (sandbox === undefined) throw new Error('the sandbox was not created');
      return sandbox;
    };

    it('runs a program and returns its output', async () => {
      const result = await box().run({ code: 'print(6 * 7)', timeoutMs: 20_000 });
      expect(result).toMatchObject({ status: 'ok' });
      expect(result.stdout.trim()).toBe('42');
      expect(Number.isFinite(result.durationMs) && result.durationMs >= 0).toBe(true);
    }, timeout);

    it('names the exception of a failing program', async () => {
      const result = await box().run({ code: 'assert 1 == 2, "nope"', timeoutMs: 20_000 });
      expect(result.status).toBe('error');
      expect(result.errorType).toBe('AssertionError');
    }, timeout);

    it('stops a program that never ends at its deadline', async () => {
      const result = await box().run({ code: 'while True:\n    pass', timeoutMs: 1_500 });
      expect(['timeout', 'killed']).toContain(result.status);
    }, timeout);

    it('keeps working after a runaway program', async () => {
      const result = await box().run({ code: 'print("still here")', timeoutMs: 20_000 });
      expect(result.stdout.trim()).toBe('still here');
    }, timeout);

    it('does not let a program read files of the host', async () => {
      const secret = randomUUID();
      const path = join(scratch(), 'secret.txt');
      await writeFile(path, secret);
      const result = await box().run({ code: `try:\n    print(open(${JSON.stringify(path)}).read())\nexcept Exception as e:\n    print(type(e).__name__)`, timeoutMs: 20_000 });
      expect(result.stdout, 'the program printed a file of the host').not.toContain(secret);
    }, timeout);
  });
}
