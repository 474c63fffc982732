import { fileURLToPath } from 'node:url';
import { Tokens, resolveToken, describeError, type EventBus, type Host, type LlmBackend, type Policy, type Sandbox } from '@flowsteer/core';
import { LlmPolicy, TemplatePolicy, WorkflowExecutor, templateForType, vocabularyFor, type CanvasEnv, type CanvasExecutor, type CanvasVocabulary } from '@flowsteer/canvas';
import { FEATURE_SIZE, OnnxPolicy, OnnxPolicyModel, SimulatedExecutor } from '@flowsteer/cwrpo';
import type { FinalRun } from './session.js';
import { HumanPolicy } from './human.js';

/** `auto` picks a template by task type. */
function resolveTemplate(name: string, taskType: string): string {
  return name === 'auto' ? templateForType(taskType) : name;
}

export type PolicyChoice = 'auto' | 'llm' | 'onnx' | 'human' | `template:${string}`;

export interface Runtime {
  readonly kind: 'configured' | 'local-server' | 'embedded';
  /** What is in use, in words, for the screen. */
  readonly label: string;
  /** How to change it. */
  readonly hint: string;
  readonly policy: Policy;
  /** A fresh policy for a task type (templates keep per-episode state; other policies are shared). */
  readonly createPolicy: (taskType?: string) => Policy;
  readonly executor: CanvasExecutor;
  /** Operators the canvas accepts and shows the policy: the reference set plus installed plugins'. */
  readonly vocabulary: CanvasVocabulary;
  readonly runFinal: (env: CanvasEnv, signal: AbortSignal) => Promise<FinalRun>;
  close(): Promise<void>;
}

export const DEFAULT_PROBE_URLS: readonly string[] = ['http://127.0.0.1:8000/v1', 'http://127.0.0.1:11434/v1', 'http://127.0.0.1:1234/v1', 'http://127.0.0.1:8080/v1'];

/** The policy network shipped with the app (trained with `flowsteer train --env sim --updates 120 --seed 7`). */
export const EMBEDDED_POLICY_PATH = fileURLToPath(new URL('../../assets/default-policy.onnx', import.meta.url));

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

function isConfigured(host: Host<Record<never, never>>, key: 'executor' | 'policy'): boolean {
  const settings = key === 'executor' ? host.config.config.executor : host.config.config.policy.backend;
  if (settings.backend !== 'openai') return true;
  return settings.model !== undefined || (key === 'executor' && process.env['OPENAI_MODEL'] !== undefined);
}

function llmFinalRun(executor: WorkflowExecutor): Runtime['runFinal'] {
  return async (env, signal) => {
    const run = await executor.run(env.graph, env.state.task, { signal, turn: env.state.round });
    return run.success ? { answer: run.answer, success: true, tokens: run.usage.totalTokens } : { answer: '', success: false, tokens: run.usage.totalTokens, detail: run.error ?? 'run failed' };
  };
}

const simulatedFinalRun: Runtime['runFinal'] = async (env) => {
  const result = await new SimulatedExecutor().execute({ task: env.state.task, dsl: env.graph.toDsl(), graph: env.graph.snapshot(), prompts: env.graph.prompts(), turn: env.state.round });
  const output = result.output as { output: string; simulated_tokens: number };
  return { answer: output.output, success: true, tokens: output.simulated_tokens, detail: 'simulated: no LLM ran' };
};

async function embeddedPolicy(): Promise<Policy> {
  return new OnnxPolicy(await OnnxPolicyModel.load(EMBEDDED_POLICY_PATH, FEATURE_SIZE), { mode: 'greedy' });
}

/**
 * Decides what drives and executes the session: the configured OpenAI-compatible endpoint; else a
 * local server that answers on loopback; else the embedded defaults (the local ONNX policy with
 * the workflow simulator). `choice` overrides the policy.
 */
export async function resolveRuntime(host: Host<Record<never, never>>, options: { choice: PolicyChoice; events: EventBus; probeUrls?: readonly string[]; wrapExecutorBackend?: (backend: LlmBackend) => LlmBackend }): Promise<Runtime> {
  const operators = host.registries.operators.entries().map((e) => e.value);
  let executorBackend: LlmBackend | undefined;
  let kind: Runtime['kind'] = 'embedded';
  let where = '';
  if (isConfigured(host, 'executor')) {
    executorBackend = await resolveToken(host.container, Tokens.ExecutorBackend);
    kind = 'configured';
    where = `${executorBackend.id} (from config)`;
  } else {
    const local = await probeLocalServer(options.probeUrls ?? DEFAULT_PROBE_URLS);
    const factory = host.registries.backends.tryGet('openai');
    if (local !== undefined && factory !== undefined) {
      executorBackend = await factory({ baseUrl: local.baseUrl, model: local.model });
      kind = 'local-server';
      where = `${local.model} at ${local.baseUrl} (local server found)`;
    }
  }

  let sandbox: Sandbox | undefined;
  let executor: CanvasExecutor;
  let runFinal: Runtime['runFinal'];
  // Eval records the executor's calls to a cassette by wrapping the backend here.
  if (executorBackend !== undefined && options.wrapExecutorBackend !== undefined) executorBackend = options.wrapExecutorBackend(executorBackend);
  if (executorBackend === undefined) {
    executor = new SimulatedExecutor();
    runFinal = simulatedFinalRun;
  } else {
    const sandboxFactory = host.registries.sandboxes.tryGet('pyodide');
    sandbox = sandboxFactory === undefined ? undefined : await sandboxFactory({});
    const workflow = new WorkflowExecutor({ operators, backend: executorBackend, ...(sandbox === undefined ? {} : { sandbox }), events: options.events, runId: 'session' });
    executor = workflow;
    runFinal = llmFinalRun(workflow);
  }

  let policy: Policy;
  const choice = options.choice;
  if (choice === 'human') policy = new HumanPolicy();
  else if (choice.startsWith('template:')) policy = TemplatePolicy.named(resolveTemplate(choice.slice('template:'.length), 'math'));
  else if (choice === 'onnx' || (choice === 'auto' && executorBackend === undefined)) policy = await embeddedPolicy();
  else {
    let policyBackend: LlmBackend | undefined;
    if (isConfigured(host, 'policy')) policyBackend = await resolveToken(host.container, Tokens.PolicyBackend);
    else policyBackend = executorBackend;
    if (policyBackend === undefined) {
      if (choice === 'llm') throw new Error('the LLM policy needs a model: set policy.backend.baseUrl and policy.backend.model (or executor.*), or start a local OpenAI-compatible server');
      policy = await embeddedPolicy();
    } else {
      policy = new LlmPolicy(policyBackend);
    }
  }

  const label =
    kind === 'embedded'
      ? `policy ${policy.id} · executor: workflow simulator — embedded defaults, no LLM`
      : `policy ${policy.id} · executor ${where}`;
  const hint =
    kind === 'embedded'
      ? 'to use a model: --set executor.baseUrl=http://HOST/v1 --set executor.model=NAME (or FLOWSTEER_EXECUTOR_* / flowsteer.config.json), or start a local OpenAI-compatible server'
      : 'change with --set executor.* / policy.backend.* or flowsteer.config.json; --policy onnx|llm|human|template:NAME';
  const templateName = choice.startsWith('template:') ? choice.slice('template:'.length) : undefined;
  return {
    kind,
    label,
    hint,
    policy,
    createPolicy: (taskType = 'math') => (templateName === undefined ? policy : TemplatePolicy.named(resolveTemplate(templateName, taskType))),
    executor,
    vocabulary: vocabularyFor(operators),
    runFinal,
    close: async () => {
      try {
        await sandbox?.close();
      } catch (error) {
        process.stderr.write(`warning: closing the sandbox failed: ${describeError(error)}\n`);
      }
    },
  };
}
