import {
  Tokens,
  describeError,
  resolveSlot,
  resolveToken,
  slotNames,
  type EventBus,
  type Host,
  type LlmBackend,
  type Policy,
  type PolicyFactory,
  type Sandbox,
  type CanvasEnvironment,
  type ExecutionRequest,
  type WorkflowExecutor as ExecutorContract,
} from '@flowsteer/core';
import { CanvasEnv, WorkflowExecutor, executionText, vocabularyFor, type CanvasExecutor, type CanvasTask, type CanvasVocabulary } from '@flowsteer/canvas';
import type { FinalRun } from './session.js';
import { executeCounted } from './executor-tokens.js';
import { CliUsageError } from '../errors.js';

export { EMBEDDED_POLICY_PATH } from './builtins.js';

/** A registered policy name, or `auto` (the LLM policy when a model is reachable, else the embedded ONNX one). */
export type PolicyChoice = string;

export interface Runtime {
  readonly kind: 'configured' | 'local-server' | 'embedded' | 'plugin';
  /** What is in use, in words, for the screen. */
  readonly label: string;
  /** How to change it. */
  readonly hint: string;
  readonly policy: Policy;
  /** A fresh policy for a task type (templates keep per-episode state and `template:auto` differs by type). */
  readonly createPolicy: (taskType?: string) => Policy;
  readonly executor: CanvasExecutor;
  /** Operators the canvas accepts and shows the policy: the reference set plus installed plugins'. */
  readonly vocabulary: CanvasVocabulary;
  readonly runFinal: (env: CanvasEnvironment, signal: AbortSignal, task: CanvasTask) => Promise<FinalRun>;
  close(): Promise<void>;
}

export const DEFAULT_PROBE_URLS: readonly string[] = ['http://127.0.0.1:8000/v1', 'http://127.0.0.1:11434/v1', 'http://127.0.0.1:1234/v1', 'http://127.0.0.1:8080/v1'];

/** The first OpenAI-compatible server on loopback that lists a model, if any. */
export async function probeLocalServer(urls: readonly string[], timeoutMs = 400): Promise<{ baseUrl: string; model: string } | undefined> {
  const answers = await Promise.all(
    urls.map(async (baseUrl) => {
      try {
        const response = await fetch(`${baseUrl}/models`, { signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) return undefined;
        const body = (await response.json()) as { data?: Array<{ id?: unknown }> };
        const model = body.data?.find((m) => typeof m.id === 'string')?.id;
        return typeof model === 'string' ? { baseUrl, model } : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return answers.find((a) => a !== undefined);
}

type AnyHost = Host<Record<never, never>>;

function isConfigured(host: AnyHost, key: 'executor' | 'policy'): boolean {
  const settings = key === 'executor' ? host.config.config.executor : host.config.config.policy.backend;
  if (settings.backend !== 'openai') return true;
  return settings.model !== undefined || (key === 'executor' && process.env['OPENAI_MODEL'] !== undefined);
}

/** Where the executor's LLM comes from when `executor.use` is `auto` or `workflow`: config, else a local server. */
interface ExecutorLlm {
  readonly kind: 'configured' | 'local-server';
  readonly where: string;
  /** Builds a new backend instance on every call, so the policy never shares the executor's object. */
  readonly create: () => Promise<LlmBackend>;
}

async function findExecutorLlm(host: AnyHost, probeUrls: readonly string[]): Promise<ExecutorLlm | undefined> {
  if (isConfigured(host, 'executor')) {
    const { use: _use, module: _module, backend, ...settings } = host.config.config.executor;
    const factory = host.registries.backends.get(backend);
    const first = await resolveToken(host.container, Tokens.ExecutorBackend);
    let handedOut = false;
    return {
      kind: 'configured',
      where: `${first.id} (from config)`,
      create: async () => {
        if (!handedOut) {
          handedOut = true;
          return first;
        }
        return factory(settings);
      },
    };
  }
  const local = await probeLocalServer(probeUrls);
  const factory = host.registries.backends.tryGet('openai');
  if (local === undefined || factory === undefined) return undefined;
  return { kind: 'local-server', where: `${local.model} at ${local.baseUrl} (local server found)`, create: async () => factory({ baseUrl: local.baseUrl, model: local.model }) };
}

/** The sandbox `sandbox.use` names, or none when that one is not installed (operators that need it then fail clearly). */
async function optionalSandbox(host: AnyHost): Promise<Sandbox | undefined> {
  const use = host.config.config.sandbox.use;
  if (use !== 'custom' && !host.registries.sandboxes.has(use)) return undefined;
  return resolveToken(host.container, Tokens.Sandbox);
}

/** A policy whose factory may be async, usable at once: `act` waits for it. */
function deferredPolicy(id: string, created: Policy | Promise<Policy>): Policy {
  if (!(created instanceof Promise)) return created;
  return { id, act: async (observation, signal) => (await created).act(observation, signal) };
}

/**
 * Any executor's result as the final answer of a session, on any canvas: the built-in canvas hands
 * its graph; a plugin canvas hands the workflow its `result()` reports and its own snapshot.
 */
function finalRunOf(executor: ExecutorContract, detail?: string): Runtime['runFinal'] {
  return async (env, signal, task) => {
    if (executor instanceof WorkflowExecutor && env instanceof CanvasEnv) {
      const run = await executor.run(env.graph, env.state.task, { signal, turn: env.state.round });
      return run.success ? { answer: run.answer, success: true, tokens: run.usage.totalTokens } : { answer: '', success: false, tokens: run.usage.totalTokens, detail: run.error ?? 'run failed' };
    }
    let request: ExecutionRequest;
    if (env instanceof CanvasEnv) {
      request = { task: env.state.task, dsl: env.graph.toDsl(), graph: env.graph.snapshot(), prompts: env.graph.prompts(), turn: env.state.round };
    } else {
      const reported = env.result?.();
      request = { task, dsl: reported?.workflow ?? '', graph: env.snapshot(), prompts: {}, turn: reported?.rounds ?? 0 };
    }
    const { result, tokens } = await executeCounted(executor, request, signal);
    return { answer: executionText(result.output), success: result.success, tokens, ...(detail === undefined ? {} : { detail }) };
  };
}

/**
 * Decides what drives and executes the session, by name from the registries: `executor.use`
 * (`auto`: the configured endpoint, else a local server on loopback, else the simulator) and the
 * policy (`choice`, else `policy.use`; `auto`: the LLM policy when a model is reachable, else the
 * embedded ONNX policy). Built-ins and plugins are chosen the same way; an unknown name is a
 * usage error that lists the registered ones.
 */
export async function resolveRuntime(host: AnyHost, options: { choice?: PolicyChoice; events: EventBus; probeUrls?: readonly string[]; wrapExecutorBackend?: (backend: LlmBackend) => LlmBackend }): Promise<Runtime> {
  const config = host.config.config;
  const cwd = host.cwd;
  const operators = host.registries.operators.entries().map((e) => e.value);
  const requestedPolicy = options.choice ?? config.policy.use;
  if (requestedPolicy !== 'auto') checkName(host, 'policy', requestedPolicy);
  const executorUse = config.executor.use;
  if (executorUse !== 'auto') checkName(host, 'executor', executorUse);

  const needsLlm = executorUse === 'auto' || executorUse === 'workflow';
  // A plugin executor never triggers probing, but a configured executor model still serves the LLM policy.
  const llm = needsLlm || isConfigured(host, 'executor') ? await findExecutorLlm(host, needsLlm ? (options.probeUrls ?? DEFAULT_PROBE_URLS) : []) : undefined;
  const executorName = executorUse === 'auto' ? (llm === undefined ? 'simulated' : 'workflow') : executorUse;
  if (executorName === 'workflow' && llm === undefined) {
    throw new CliUsageError('executor.use=workflow needs a model: set executor.baseUrl and executor.model (or FLOWSTEER_EXECUTOR_*), or start a local OpenAI-compatible server');
  }
  // The promise is kept, not the sandbox: two calls while it opens must not open two.
  let sandbox: Promise<Sandbox | undefined> | undefined;
  const executorFactory = await resolveSlot(host.registries.executors, { use: executorName, ...(config.executor.module === undefined ? {} : { module: config.executor.module }) }, cwd);
  const createExecutorBackend = llm?.create ?? (() => resolveToken(host.container, Tokens.ExecutorBackend));
  // Eval records the executor's calls to a cassette by wrapping its backend (never the policy's).
  const wrap = options.wrapExecutorBackend;
  const executor = await executorFactory({
    backend: wrap === undefined ? createExecutorBackend : async () => wrap(await createExecutorBackend()),
    operators,
    sandbox: () => (sandbox ??= optionalSandbox(host)),
    events: options.events,
    runId: 'session',
    options: {},
  });
  const kind: Runtime['kind'] = executorName === 'simulated' ? 'embedded' : llm?.kind ?? 'plugin';

  const policyName = requestedPolicy === 'auto' ? (llm === undefined && !isConfigured(host, 'policy') ? 'onnx' : 'llm') : requestedPolicy;
  const policyFactory: PolicyFactory = await resolveSlot(host.registries.policies, { use: policyName, ...(config.policy.module === undefined ? {} : { module: config.policy.module }) }, cwd);
  // One policy backend for every episode, never the executor's object (a training proxy on the
  // executor must not see policy calls).
  let policyBackendPromise: Promise<LlmBackend> | undefined;
  const policyBackend = (): Promise<LlmBackend> => {
    if (isConfigured(host, 'policy')) return resolveToken(host.container, Tokens.PolicyBackend);
    if (llm === undefined) {
      return Promise.reject(new CliUsageError('the LLM policy needs a model: set policy.backend.baseUrl and policy.backend.model (or executor.*), or start a local OpenAI-compatible server'));
    }
    return (policyBackendPromise ??= llm.create());
  };
  const build = (taskType?: string) => policyFactory({ backend: policyBackend, events: options.events, options: config.policy.options, ...(taskType === undefined ? {} : { taskType }) });
  const policy = await build();
  const createPolicy = (taskType?: string): Policy => deferredPolicy(policy.id, build(taskType));

  const executorWords = executorName === 'simulated' ? 'workflow simulator — embedded defaults, no LLM' : llm !== undefined && executorName === 'workflow' ? llm.where : `${executorName} (${host.registries.executors.providerOf(executorName) ?? 'custom module'})`;
  const label = `policy ${policy.id} · executor${executorName === 'simulated' ? ':' : ''} ${executorWords}`;
  const hint =
    kind === 'embedded'
      ? 'to use a model: flowsteer --set executor.baseUrl=http://HOST/v1 --set executor.model=NAME (or FLOWSTEER_EXECUTOR_* / flowsteer.config.json), or start a local OpenAI-compatible server'
      : `change with --set executor.* / policy.backend.* or flowsteer.config.json; other policies: flowsteer tui --policy ${slotNames(host.registries.policies).join('|')}`;
  return {
    kind,
    label,
    hint,
    policy,
    createPolicy,
    executor,
    vocabulary: vocabularyFor(operators),
    runFinal: finalRunOf(executor, executorName === 'simulated' ? 'simulated: no LLM ran' : undefined),
    close: async () => {
      for (const [what, close] of [['executor', () => executor.close?.()], ['sandbox', () => sandbox?.then((opened) => opened?.close(), () => undefined)]] as const) {
        try {
          await close();
        } catch (error) {
          process.stderr.write(`warning: closing the ${what} failed: ${describeError(error)}\n`);
        }
      }
    },
  };
}

/** `--policy` values are checked against what is registered, so a typo never runs another policy. */
export function checkPolicyName(host: AnyHost, name: string): void {
  if (name !== 'auto') checkName(host, 'policy', name);
}

function checkName(host: AnyHost, slot: 'policy' | 'executor', name: string): void {
  const registry = slot === 'policy' ? host.registries.policies : host.registries.executors;
  if (name === 'custom' || registry.has(name)) return;
  throw new CliUsageError(`unknown ${slot} "${name}"; registered: ${['auto', ...slotNames(registry)].join(', ')}`);
}
