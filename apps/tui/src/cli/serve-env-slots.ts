import { BackendError, Tokens, resolveSlot, resolveToken, type CanvasSettings, type EventBus, type Host, type LlmBackend, type Sandbox } from '@flowsteer/core';
import { WorkflowExecutor, vocabularyFor, type CanvasExecutor } from '@flowsteer/canvas';
import { EvalScorer, SimulatedAnswerExecutor, SlotScorer, type CanvasFactoryFn, type EnvTask, type EpisodeScorer } from '@flowsteer/env-server';
import { CliUsageError } from '../errors.js';
import { sandboxOpener } from '../session/sandbox.js';
import { scientificTwin } from '../session/ds1000.js';

type AnyHost = Host<Record<never, never>>;

/** What serve-env runs each session with, chosen by config as `eval` chooses it. */
export interface ServeEnvSlots {
  /** The executor of one session (one shared instance, except the per-seed test executor). */
  readonly executorFor: (task: EnvTask, seed: number) => CanvasExecutor;
  /** The canvas `canvas.use` names, built once per session. */
  readonly createCanvas: CanvasFactoryFn;
  /** `scorer.use` when it names one, else the eval metrics of each task (pass@1 in the sandbox). */
  readonly scorer: EpisodeScorer;
  /** The slots in use, in words, for the start-up line. */
  readonly label: string;
  /** Closes the executor and the sandboxes it opened (the scorer closes its own). */
  close(): Promise<void>;
}

export interface ServeEnvSlotOptions {
  /** `sim`: the test executor whatever `executor.use` says. */
  readonly executor: 'config' | 'sim';
  /** `--sandbox`: overrides `sandbox.use`. */
  readonly sandbox?: string;
  readonly nodeTimeoutMs: number;
  /** The canvas settings after serve-env's flags. */
  readonly canvas: CanvasSettings;
}

async function executorBackend(host: AnyHost): Promise<LlmBackend> {
  try {
    return await resolveToken(host.container, Tokens.ExecutorBackend);
  } catch (error) {
    if (error instanceof BackendError) throw new CliUsageError(`${error.message}. serve-env executes every workflow: configure the executor (--set executor.baseUrl=… --set executor.model=…, FLOWSTEER_EXECUTOR_* or flowsteer.config.json), or use --executor sim for the test executor`);
    throw error;
  }
}

/**
 * Resolves the canvas, executor, scorer and sandbox from the host's registries by their
 * `<slot>.use` names, so plugins and custom modules serve sessions exactly as they run in `eval`.
 * `executor.use` `auto`/`workflow` is the built-in workflow executor on the configured model (with
 * serve-env's node timeout); `simulated` is the test executor, whose simulated answers can be scored.
 */
export async function resolveServeEnvSlots(host: AnyHost, events: EventBus, options: ServeEnvSlotOptions): Promise<ServeEnvSlots> {
  const config = host.config.config;
  const sandbox = sandboxOpener(host, options.sandbox);
  const opened: Sandbox[] = [];
  const openTracked = async (): Promise<Sandbox> => {
    const made = await sandbox.open();
    opened.push(made);
    return made;
  };
  const operators = host.registries.operators.entries().map((entry) => entry.value);
  const executorUse = options.executor === 'sim' ? 'simulated' : config.executor.use;

  let executorFor: ServeEnvSlots['executorFor'];
  let closeExecutor: () => Promise<void> = async () => {};
  let executorLabel: string;
  if (executorUse === 'simulated') {
    executorFor = (task, seed) => new SimulatedAnswerExecutor(task, seed);
    executorLabel = 'test executor (workflow simulator, no LLM)';
  } else if (executorUse === 'auto' || executorUse === 'workflow') {
    const backend = await executorBackend(host);
    const workflow = new WorkflowExecutor({ operators, backend, sandbox: await openTracked(), nodeTimeoutMs: options.nodeTimeoutMs, events, runId: 'serve-env' });
    executorFor = () => workflow;
    executorLabel = `executor ${backend.id}`;
  } else {
    const factory = await resolveSlot(host.registries.executors, config.executor, host.cwd);
    let sandboxOnce: Promise<Sandbox> | undefined;
    const executor = await factory({ backend: () => resolveToken(host.container, Tokens.ExecutorBackend), operators, sandbox: () => (sandboxOnce ??= openTracked()), events, runId: 'serve-env', options: {} });
    executorFor = () => executor;
    closeExecutor = async () => executor.close?.();
    executorLabel = `executor ${executorUse} (${host.registries.executors.providerOf(executorUse) ?? 'custom module'})`;
  }

  const canvasFactory = await resolveToken(host.container, Tokens.Canvas);
  const vocabulary = vocabularyFor(operators);
  const createCanvas: CanvasFactoryFn = ({ runId, executor }) =>
    canvasFactory({ settings: options.canvas, ...(executor === undefined ? {} : { executor }), operators: vocabulary.operators, library: vocabulary.library, events, runId, options: config.canvas.options });

  const named = resolveToken(host.container, Tokens.Scorer);
  // The eval scorer opens its own sandbox on the first code task and closes it with the server.
  // DS-1000 needs numpy and pandas: beside the plain isolated sandbox, its scientific twin runs those answers.
  const scientific = scientificTwin(host, sandbox.name);
  const ds1000 = scientific === undefined ? {} : { openDs1000Sandbox: scientific };
  const scorer = named === undefined ? new EvalScorer({ sandbox: sandbox.open, ...ds1000 }) : new SlotScorer(named);
  const scorerLabel = named === undefined ? 'each task metric' : `scorer ${config.scorer.use}`;

  return {
    executorFor,
    createCanvas,
    scorer,
    label: `${executorLabel}, canvas ${config.canvas.use}, ${scorerLabel}, sandbox ${sandbox.name}`,
    close: async () => {
      await closeExecutor();
      for (const made of opened.splice(0)) await made.close();
    },
  };
}
