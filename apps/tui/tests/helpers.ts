import { execFile } from 'node:child_process';
import { join } from 'node:path';

const bin = join(import.meta.dirname, '..', 'dist', 'main.js');
export const repoRoot = join(import.meta.dirname, '..', '..', '..');

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `flowsteer` binary as a user would. */
export function flowsteer(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { cwd: options.cwd ?? repoRoot, env: { PATH: process.env['PATH'] ?? '', ...options.env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
    child.stdin?.end(options.input ?? '');
  });
}

