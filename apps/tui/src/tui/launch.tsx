import { join } from 'node:path';
import { render } from 'ink';
import { Tokens, resolveToken, writeFileAtomic, type Host } from '@flowsteer/core';
import { CanvasEnv } from '@flowsteer/canvas';
import { OrchestrationSession, type SessionSnapshot } from '../session/session.js';
import { resolveRuntime, type PolicyChoice } from '../session/runtime.js';
import { App } from './App.js';

export interface LaunchOptions {
  readonly task?: string;
  readonly type?: string;
  /** Default: `policy.use` from config. */
  readonly policy?: PolicyChoice;
  readonly resume?: string;
  readonly probeUrls?: readonly string[];
}

/** Opens the interactive app and resolves when the person quits. */
export interface CanvasSettings {
  readonly maxRounds: number;
  readonly minOperators: number;
  readonly requireChecker: boolean;
  readonly requireStructure: boolean;
}

export async function launchTui(host: Host<Record<never, never>>, options: LaunchOptions, canvas?: CanvasSettings): Promise<void> {
  const runtime = await resolveRuntime(host, { ...(options.policy === undefined ? {} : { choice: options.policy }), events: host.events, ...(options.probeUrls === undefined ? {} : { probeUrls: options.probeUrls }) });
  const store = resolveToken(host.container, Tokens.Store);
  const deps = (type: string) => ({
    // Operators from installed plugins join the library the policy is shown.
    env: new CanvasEnv({ ...canvas, ...runtime.vocabulary, executor: runtime.executor, events: host.events, runId: 'session' }),
    // Per task type: `template:auto` builds a different workflow for code than for math.
    policy: runtime.createPolicy(type),
    runFinal: runtime.runFinal,
    events: host.events,
    store,
    runtime: runtime.label,
  });
  const start = (problem: string, type: string): Promise<OrchestrationSession> => OrchestrationSession.start({ problem, type }, deps(type));
  let session: OrchestrationSession | undefined;
  if (options.resume !== undefined) {
    const snapshot = await store.get<SessionSnapshot>(`sessions/${options.resume}`);
    if (snapshot === undefined) throw new Error(`no saved session "${options.resume}" in ${store.location} (see flowsteer sessions list)`);
    session = OrchestrationSession.resume(snapshot, deps(snapshot.task.type));
  } else if (options.task !== undefined) {
    session = await start(options.task, options.type ?? 'math');
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
  const app = render(
    <App
      {...(session === undefined ? {} : { session })}
      start={start}
      runtimeLabel={runtime.label}
      runtimeHint={runtime.hint}
      exportWorkflow={exportWorkflow}
      {...(options.type === undefined ? {} : { initialType: options.type })}
    />,
    { exitOnCtrlC: true },
  );
  try {
    await app.waitUntilExit();
  } finally {
    await runtime.close();
  }
}
