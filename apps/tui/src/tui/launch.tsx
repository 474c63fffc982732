import { join } from 'node:path';
import { render } from 'ink';
import { Tokens, resolveToken, writeFileAtomic, type Host } from '@flowsteer/core';
import { CliUsageError } from '../errors.js';
import { OrchestrationSession, checkSnapshot, listSessions } from '../session/session.js';
import { lockSession } from '../session/lock.js';
import { resolveRuntime, type PolicyChoice } from '../session/runtime.js';
import { App, type QuitHow } from './App.js';
import { editInExternalEditor } from './external-editor.js';
import { sessionDepsFor } from './session-deps.js';

export interface LaunchOptions {
  readonly task?: string;
  readonly type?: string;
  /** Default: `policy.use` from config. */
  readonly policy?: PolicyChoice;
  /** A session id, `latest`, or '' to pick one on screen. */
  readonly resume?: string;
  readonly probeUrls?: readonly string[];
}

export interface CanvasSettings {
  readonly maxRounds: number;
  readonly minOperators: number;
  readonly requireChecker: boolean;
  readonly requireStructure: boolean;
}

export interface LaunchOutcome {
  readonly how: QuitHow;
  readonly sessionId?: string;
}

// Alternate screen (the shell's screen comes back on quit) and bracketed paste (a paste arrives
// as one piece, newlines included, instead of as typed Enter keys).
const ENTER_SCREEN = '\u001b[?1049h\u001b[?2004h';
const LEAVE_SCREEN = '\u001b[?2004l\u001b[?1049l';

/** Opens the interactive app and resolves when the person quits. */
export async function launchTui(host: Host<Record<never, never>>, options: LaunchOptions, canvas?: CanvasSettings): Promise<LaunchOutcome> {
  const store = resolveToken(host.container, Tokens.Store);
  const saved = await listSessions(store);
  let resumeId = options.resume;
  if (resumeId === 'latest') {
    const newest = saved.find((s) => s.damaged === undefined);
    if (newest === undefined) throw new CliUsageError(`no saved session to resume in ${store.location} (start one with flowsteer tui)`);
    resumeId = newest.id;
  }
  let snapshot: unknown;
  if (resumeId !== undefined && resumeId !== '') {
    snapshot = await store.get<unknown>(`sessions/${resumeId}`);
    if (snapshot === undefined) throw new CliUsageError(`no saved session "${resumeId}" in ${store.location} (see flowsteer sessions list)`);
    checkSnapshot(snapshot, `saved session ${resumeId}`);
  }

  const runtime = await resolveRuntime(host, { ...(options.policy === undefined ? {} : { choice: options.policy }), events: host.events, ...(options.probeUrls === undefined ? {} : { probeUrls: options.probeUrls }) });
  let deps: Awaited<ReturnType<typeof sessionDepsFor>>;
  try {
    deps = await sessionDepsFor(host, runtime, store, canvas);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const releases: Array<() => Promise<void>> = [];
  const start = async (problem: string, type: string): Promise<OrchestrationSession> => {
    const session = await OrchestrationSession.start({ problem, type }, deps(type));
    releases.push(await lockSession(store.location, session.id));
    return session;
  };
  const resume = async (id: string): Promise<OrchestrationSession> => {
    const value = id === resumeId ? snapshot : await store.get<unknown>(`sessions/${id}`);
    if (value === undefined) throw new CliUsageError(`no saved session "${id}"`);
    releases.push(await lockSession(store.location, id));
    const type = typeof value === 'object' && value !== null && typeof (value as { task?: { type?: unknown } }).task?.type === 'string' ? (value as { task: { type: string } }).task.type : 'math';
    return OrchestrationSession.resume(value, deps(type));
  };

  let session: OrchestrationSession | undefined;
  try {
    if (resumeId !== undefined && resumeId !== '') session = await resume(resumeId);
    else if (options.task !== undefined) session = await start(options.task, options.type ?? 'math');
  } catch (error) {
    await runtime.close();
    throw error;
  }

  const exportWorkflow = async (s: OrchestrationSession): Promise<string[]> => {
    const base = join(store.location, 'exports', s.id);
    const files: Array<[string, string]> = [
      [`${base}.json`, s.export('json')],
      [`${base}.dsl`, `${s.export('dsl')}\n`],
      [`${base}.mmd`, `${s.export('mermaid')}\n`],
    ];
    await Promise.all(files.map(([path, text]) => writeFileAtomic(path, text)));
    return files.map(([path]) => path);
  };

  let outcome: LaunchOutcome = { how: 'quit' };
  // A SIGINT/SIGTERM from outside (the keyboard's Ctrl-C arrives as a key in raw mode) quits the
  // same way: cancel running work, let it settle, then exit 130.
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const tty = process.stdout.isTTY === true;
  if (tty) process.stdout.write(ENTER_SCREEN);
  const app = render(
    <App
      {...(session === undefined ? {} : { session })}
      start={start}
      resume={resume}
      savedSessions={saved}
      pickSession={options.resume === ''}
      runtimeLabel={runtime.label}
      runtimeHint={runtime.hint}
      exportWorkflow={exportWorkflow}
      quitSignal={stop.signal}
      editText={(text) => {
        const edited = editInExternalEditor(text);
        // The editor may have left the alternate screen: take it back and redraw everything.
        if (tty) process.stdout.write(ENTER_SCREEN);
        app.clear();
        return edited;
      }}
      onQuit={(how, s) => {
        outcome = { how, ...(s === undefined ? {} : { sessionId: s.id }) };
      }}
      {...(options.type === undefined ? {} : { initialType: options.type })}
    />,
    { exitOnCtrlC: false },
  );
  try {
    await app.waitUntilExit();
  } finally {
    if (tty) process.stdout.write(LEAVE_SCREEN);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await runtime.close();
    for (const release of releases) await release();
  }
  if (outcome.sessionId !== undefined) process.stderr.write(`session ${outcome.sessionId} saved — resume with: flowsteer tui --resume ${outcome.sessionId}\n`);
  return outcome;
}
