import { fileURLToPath } from 'node:url';
import type { Policy, PolicyFactory, Registries, Sandbox, Scorer } from '@flowsteer/core';
import { CanvasEnv, LlmPolicy, TemplatePolicy, WORKFLOW_TEMPLATES, WorkflowExecutor, templateForType, vocabularyFor } from '@flowsteer/canvas';
import { FEATURE_SIZE, SimulatedExecutor } from '@flowsteer/cwrpo';
import { OnnxPolicy, OnnxPolicyModel } from '@flowsteer/onnx-policy';
import { scoreAnswer, type EvalProblem, type MetricName } from '@flowsteer/eval';
import { HumanPolicy } from './human.js';
import { passAt1Scorer, type CodeScoringOptions } from './pass-at-1.js';
import { cwrpoTrainer } from './trainer.js';

/** Who provides the app's own implementations in `plugins list` and clash reports (first-party). */
export const BUILTIN_PROVIDER = '@flowsteer/tui (built-in)';

/** The policy network shipped with the app: `policy.onnx` of `flowsteer train --env sim --seed 2 --out DIR` (defaults otherwise; deterministic by seed). */
export const EMBEDDED_POLICY_PATH = fileURLToPath(new URL('../../assets/default-policy.onnx', import.meta.url));

export async function embeddedPolicy(): Promise<Policy> {
  return new OnnxPolicy(await OnnxPolicyModel.load(EMBEDDED_POLICY_PATH, FEATURE_SIZE), { mode: 'greedy' });
}

/** `template:auto` picks the template for the episode's task type. */
function templatePolicy(name: string): PolicyFactory {
  return (context) => TemplatePolicy.named(name === 'auto' ? templateForType(context.taskType ?? 'math') : name);
}

/** The eval metrics as scorers, for `scorer.use` (pass@1, which runs code, is in pass-at-1.ts). */
function metricScorer(metric: MetricName, problemType: EvalProblem['problemType']): Scorer {
  return {
    metric,
    async score(input) {
      const problem: EvalProblem = { id: 'score', source: 'score', problemType, problem: '', groundTruth: input.reference, answers: [input.reference] };
      const scored = await scoreAnswer(problem, input.prediction, {}, metric);
      return { value: scored.score, correct: scored.correct, metric, details: { extracted: scored.extracted, reason: scored.reason } };
    },
  };
}

/** What built-ins need from the booted host; registered before it exists, so each is late-bound. */
export interface BuiltinServices {
  /** A new sandbox as `sandbox.use` names it (the caller closes it). */
  readonly sandbox?: () => Promise<Sandbox>;
  /** Extra scoring options for code run in `sandbox` (DS-1000's scientific sandbox). */
  readonly codeScoring?: CodeScoringOptions;
}

/**
 * The app's implementations of every slot, registered before plugins load and through the same
 * registries, so `policy.use`, `executor.use`, … pick between them and plugins by name alone.
 */
export function registerBuiltins(registries: Registries, services: BuiltinServices = {}): void {
  const add = <T>(registry: { register(name: string, value: T, provider: string): void }, name: string, value: T): void => registry.register(name, value, BUILTIN_PROVIDER);

  add(registries.policies, 'llm', async (context) => new LlmPolicy(await context.backend()));
  add(registries.policies, 'onnx', () => embeddedPolicy());
  add(registries.policies, 'human', () => new HumanPolicy());
  for (const name of [...Object.keys(WORKFLOW_TEMPLATES), 'auto']) add(registries.policies, `template:${name}`, templatePolicy(name));

  add(registries.executors, 'workflow', async (context) => {
    const sandbox = await context.sandbox();
    return new WorkflowExecutor({ operators: context.operators, backend: await context.backend(), ...(sandbox === undefined ? {} : { sandbox }), events: context.events, runId: context.runId });
  });
  add(registries.executors, 'simulated', () => new SimulatedExecutor());

  add(registries.canvases, 'workflow', (context) => {
    const vocabulary = vocabularyFor(context.operators);
    return new CanvasEnv({
      ...context.settings,
      operators: vocabulary.operators,
      library: context.library ?? vocabulary.library,
      ...(context.executor === undefined ? {} : { executor: context.executor }),
      ...(context.events === undefined ? {} : { events: context.events }),
      runId: context.runId,
    });
  });

  add(registries.trainers, 'cwrpo', () => cwrpoTrainer());

  for (const [metric, type] of [['math', 'math'], ['f1', 'qa'], ['em', 'qa'], ['mc', 'mc']] as const) add(registries.scorers, metric, metricScorer(metric, type));
  add(registries.scorers, 'pass@1', passAt1Scorer(services.sandbox ?? (() => Promise.reject(new Error('pass@1 needs a sandbox and this host has none'))), services.codeScoring));
}
