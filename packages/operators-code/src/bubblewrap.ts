import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { platform } from 'node:os';
import { delimiter, join } from 'node:path';
import { SandboxUnavailableError } from './sandbox-errors.js';

/** Where an interpreter lives, learned once from the host interpreter itself. */
export interface InterpreterLayout {
  /** Resolved path of the executable, bound at the same path inside the sandbox. */
  readonly executable: string;
  /** Directories bound read-only: the standard library and site dirs, nothing else of the host. */
  readonly readOnly: readonly string[];
  /** Site-packages directories appended to sys.path (the runner starts with -I -S). */
  readonly sitePaths: readonly string[];
}

export interface SandboxLimits {
  readonly memoryMb: number;
  readonly fileSizeMb: number;
  readonly workDirMb: number;
  readonly openFiles: number;
}

function executableOnPath(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The bubblewrap binary, or a typed refusal: there is no unisolated fallback. */
export function locateBubblewrap(explicit?: string): string {
  if (platform() !== 'linux') throw new SandboxUnavailableError('bubblewrap', `the isolated sandbox needs Linux namespaces; this is ${platform()}`);
  const found = executableOnPath(explicit ?? 'bwrap');
  if (found === undefined) throw new SandboxUnavailableError('bubblewrap', `${explicit ?? 'bwrap'} was not found; install it (Debian: apt-get install bubblewrap)`);
  return found;
}

const PROBE = 'import json, os, site, sys; print(json.dumps([os.path.realpath(sys.executable), sys.base_prefix, site.getsitepackages(), sys.version_info[:2]]))';

/** Asks the interpreter (outside the sandbox, running a fixed probe) where its files are. */
export function probeInterpreter(python: string): InterpreterLayout {
  const path = executableOnPath(python);
  if (path === undefined) throw new SandboxUnavailableError('python', `${python} was not found`);
  let parsed: [string, string, string[], [number, number]];
  try {
    parsed = JSON.parse(execFileSync(path, ['-I', '-c', PROBE], { encoding: 'utf8', env: {}, timeout: 20_000 }).trim().split('\n').pop() ?? '') as typeof parsed;
  } catch (error) {
    throw new SandboxUnavailableError('python', `${python} did not answer the layout probe`, { cause: error });
  }
  const [executable, basePrefix, siteDirs, [major, minor]] = parsed;
  const stdlib = join(basePrefix, 'lib', `python${major}.${minor}`);
  const candidates = [stdlib, ...siteDirs, '/usr/lib', '/usr/lib64', '/usr/share/zoneinfo', '/etc/alternatives', '/etc/ld.so.cache'];
  const readOnly = [...new Set(candidates.filter((dir) => existsSync(dir)).map((dir) => realpathSync(dir)))];
  return { executable, readOnly, sitePaths: siteDirs.filter((dir) => existsSync(dir) && statSync(dir).isDirectory()) };
}

/**
 * bubblewrap arguments for one interpreter: every namespace unshared (user, pid, net incl.
 * loopback, ipc, uts, cgroup), uid/gid nobody with no capabilities, a fresh session, an empty
 * environment, the interpreter's directories read-only, size-capped tmpfs for /tmp and the work
 * dir (the only writable places), a minimal read-only /dev, no /proc, and the sandbox dies with
 * its parent.
 */
export function bubblewrapArgs(layout: InterpreterLayout, limits: SandboxLimits, runner: string, preload: readonly string[]): string[] {
  const binds = [...layout.readOnly, layout.executable].flatMap((path) => ['--ro-bind', path, path]);
  const usrMerged = ['lib', 'lib64', 'bin'].flatMap((dir) => {
    try {
      return realpathSync(`/${dir}`) === `/usr/${dir}` && existsSync(`/usr/${dir}`) ? ['--symlink', `usr/${dir}`, `/${dir}`] : [];
    } catch {
      return [];
    }
  });
  const env = { HOME: '/work', LANG: 'C.UTF-8', PATH: '/usr/bin', PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8', OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const workBytes = String(limits.workDirMb * 1024 * 1024);
  return [
    '--unshare-all', '--unshare-user', '--uid', '65534', '--gid', '65534', '--cap-drop', 'ALL',
    '--die-with-parent', '--new-session', '--clearenv',
    ...Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v]),
    ...binds, ...usrMerged,
    '--dev', '/dev', '--size', workBytes, '--tmpfs', '/tmp', '--size', workBytes, '--tmpfs', '/work',
    // bubblewrap's own root and /dev are tmpfs without a size cap: read-only, so only the capped dirs take writes.
    '--remount-ro', '/dev', '--remount-ro', '/', '--chdir', '/work',
    '--', layout.executable, '-I', '-S', '-B', '-c', runner,
    layout.sitePaths.join(':'), preload.join(','), String(limits.memoryMb), String(limits.fileSizeMb), String(limits.openFiles),
  ];
}
