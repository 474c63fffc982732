import { Tokens, resolveToken, type CanvasFactory, type CanvasSettings, type Host, type Store } from '@flowsteer/core';
import type { Runtime } from '../session/runtime.js';
import type { SessionDeps } from '../session/session.js';

/**
 * What each app session is built from: a fresh canvas from the factory `canvas.use` names (the
 * built-in `CanvasEnv` unless configured otherwise), a policy for the task type, and the runtime's
 * executor. `canvas` overrides the config's canvas settings.
 */
export async function sessionDepsFor(host: Host<Record<never, never>>, runtime: Runtime, store: Store, canvas?: CanvasSettings): Promise<(type: string) => SessionDeps> {
  const factory: CanvasFactory = await resolveToken(host.container, Tokens.Canvas);
  const { use: _use, module: _module, options, ...configured } = host.config.config.canvas;
  return (type) => ({
    // Operators from installed plugins join the library the policy is shown.
    env: factory({ settings: canvas ?? configured, executor: runtime.executor, operators: runtime.vocabulary.operators, library: runtime.vocabulary.library, events: host.events, runId: 'session', options }),
    // Per task type: `template:auto` builds a different workflow for code than for math.
    policy: runtime.createPolicy(type),
    runFinal: runtime.runFinal,
    events: host.events,
    store,
    runtime: runtime.label,
  });
}
