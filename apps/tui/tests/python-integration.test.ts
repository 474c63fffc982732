import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

/** Debian's interpreter: the one with python3-torch (installed by the CI). */
const PYTHON = '/usr/bin/python3';
const PACKAGE = join(repoRoot, 'integrations', 'python', 'flowsteer-rl');

function unittest(pattern: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      PYTHON,
      ['-m', 'unittest', 'discover', '-s', join(PACKAGE, 'tests'), '-p', pattern, '-v'],
      { cwd: PACKAGE, env: { PATH: process.env['PATH'] ?? '', PYTHONDONTWRITEBYTECODE: '1', HOME: process.env['HOME'] ?? '' }, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, output: `${stdout}${stderr}` }),
    );
  });
}

// The Python package's tests start the built binary's serve-env themselves (a real server, the test executor).
describe('flowsteer-rl (Python) against serve-env', () => {
  it('client and rLLM adapters pass their unittest suite', async () => {
    const { code, output } = await unittest('test_[cr]*.py');
    expect(output).toMatch(/Ran \d+ tests/);
    expect(code, output).toBe(0);
  }, 300_000);

  it('the CPU GRPO protocol test learns (finished-with-full-structure share from under 10% to over 50%)', async () => {
    const { code, output } = await unittest('test_grpo_protocol.py');
    expect(code, output).toBe(0);
    expect(output).toContain('"reached_at"');
  }, 900_000);
});
