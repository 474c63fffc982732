import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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


/** A `flowsteer serve-env` of the built binary on a free port, once it listens. */
export interface ServeEnvProcess {
  readonly url: string;
  /** The start-up line that names the URL and the slots in use. */
  readonly banner: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

/**
 * Starts serve-env with `args` and resolves once it prints where it listens; it is killed by a
 * cleanup pushed onto `cleanups` (pushed before waiting, so a server that never listens is killed too).
 */
export function startServeEnv(args: string[], options: { cwd?: string; env?: Record<string, string>; cleanups: Array<() => Promise<void> | void> }): Promise<ServeEnvProcess> {
  const child = spawn(process.execPath, [bin, 'serve-env', '--port', '0', ...args], { cwd: options.cwd ?? repoRoot, env: { PATH: process.env['PATH'] ?? '', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  options.cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /serving the canvas at (http:\/\/\S+).*\n/.exec(stdout);
      if (match !== null) resolve({ url: match[1] as string, banner: match[0], child, exited });
    });
    void exited.then((code) => reject(new Error(`serve-env exited with ${code}: ${stderr}`)));
  });
}

const slotsPlugin = join(import.meta.dirname, 'fixtures', 'slots-plugin');

/**
 * A new project folder whose config installs the every-slot fixture plugin (logging its calls to
 * `calls.log`) and selects `slots` from it; `log()` reads the calls so far. The caller removes `dir`.
 */
export async function slotsProject(slots: Record<string, unknown>, extraPlugins: string[] = []): Promise<{ dir: string; log: () => Promise<string[]> }> {
  const dir = await mkdtemp(join(tmpdir(), 'flowsteer-slots-'));
  const logFile = join(dir, 'calls.log');
  await writeFile(join(dir, 'flowsteer.config.json'), JSON.stringify({ ...slots, plugins: { paths: [slotsPlugin, ...extraPlugins], options: { 'flowsteer-policy-slots': { log: logFile } }, ...(slots['plugins'] as object | undefined) } }));
  const log = async (): Promise<string[]> => (await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter((line) => line !== '');
  return { dir, log };
}
