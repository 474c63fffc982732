import { collectStream, type LlmBackend, type Observation, type Policy, type PolicyOutput, type SamplingParams } from '@flowsteer/core';
import { cleanPolicyCompletion } from './completion.js';
import { parseDslItems, type DslItem } from './dsl.js';

export interface LlmPolicyOptions {
  /** Sampling for action turns; the reference used temperature 0.6, top-p 0.95, 512 tokens. */
  readonly actionSampling?: SamplingParams;
  /** Sampling for operator-prompt turns (256 tokens in the reference). */
  readonly promptSampling?: SamplingParams;
  readonly onDelta?: (text: string) => void;
}

/**
 * The Flow-Director as an LLM behind any backend: sends the observation as one user message,
 * then applies the generation-side clean-up (think blocks, truncation after the first action).
 */
export class LlmPolicy implements Policy {
  readonly id: string;
  readonly #backend: LlmBackend;
  readonly #options: LlmPolicyOptions;

  constructor(backend: LlmBackend, options: LlmPolicyOptions = {}) {
    this.#backend = backend;
    this.#options = options;
    this.id = `llm:${backend.id}`;
  }

  async act(observation: Observation, signal: AbortSignal): Promise<PolicyOutput> {
    const sampling = observation.awaitingPrompt
      ? (this.#options.promptSampling ?? { temperature: 0.6, topP: 0.95, maxTokens: 256 })
      : (this.#options.actionSampling ?? { temperature: 0.6, topP: 0.95, maxTokens: 512 });
    const result = await collectStream(this.#backend.stream({ messages: observation.messages, sampling, signal }), this.#options.onDelta);
    const text = cleanPolicyCompletion(result.text, observation);
    return { text, ...(result.tokenIds === undefined ? {} : { tokenIds: result.tokenIds }), ...(result.logprobs === undefined ? {} : { logprobs: result.logprobs }) };
  }
}

function actionFor(item: DslItem): string {
  switch (item.kind) {
    case 'operator':
      return `<action>add</action><operator>${item.operator}</operator>`;
    case 'parallel':
      return `<action>add</action><structure>parallel</structure><operators>${item.operators.join(',')}</operators>`;
    case 'conditional':
      return `<action>add</action><structure>conditional</structure><condition>${item.condition}</condition><true>${item.trueBranch}</true><false>${item.falseBranch ?? 'done'}</false>`;
    case 'loop':
      return `<action>add</action><structure>loop</structure><operators>${item.operators.join(',')}</operators><count>${item.count}</count>`;
  }
}

/**
 * Built-in workflow templates (chain of thought, self-consistency, plan–program–verify, …). Each
 * passes the default finish rules: at least 5 operators, a structure, a solver and a checker.
 */
export const WORKFLOW_TEMPLATES: Readonly<Record<string, string>> = {
  cot: 'Plan -> Custom -> Review ? Revise : done -> Format',
  'self-consistency': '[Custom, AnswerGenerate, Custom] -> ScEnsemble -> Verify ? Revise : done -> Format',
  'plan-program-verify': 'Plan -> Programmer -> Verify ? Revise : done -> Format',
  'program-test': 'Plan -> Programmer -> Test ? Programmer : done -> Format',
  'parallel-aggregate': 'Plan -> [Programmer, Custom] -> Aggregate -> Verify ? Revise : done -> Format',
  'code-check': 'Plan -> Programmer -> Review -> Test ? Programmer : done -> Format',
};

/**
 * The template `template:auto` uses for a task type: code writes a program and runs the task's
 * tests; everything else reasons in prose and reviews it (no Python needed, and the canvas
 * disables Programmer on multiple-choice problems).
 */
export function templateForType(type: string): string {
  return type === 'code' ? 'program-test' : 'cot';
}

/** Builds a fixed workflow: one action per DSL item, a generic prompt per operator, then finish. */
export class TemplatePolicy implements Policy {
  readonly id: string;
  readonly #actions: string[];
  #next = 0;

  constructor(name: string, dsl: string) {
    this.id = `template:${name}`;
    this.#actions = [...parseDslItems(dsl).map(actionFor), '<action>finish</action>'];
  }

  static named(name: string): TemplatePolicy {
    const dsl = WORKFLOW_TEMPLATES[name];
    if (dsl === undefined) throw new Error(`unknown template "${name}"; known: ${Object.keys(WORKFLOW_TEMPLATES).join(', ')}`);
    return new TemplatePolicy(name, dsl);
  }

  async act(observation: Observation): Promise<PolicyOutput> {
    if (observation.awaitingPrompt) {
      const operator = observation.state?.['pendingOperator'];
      return { text: `Do the ${typeof operator === 'string' ? operator : 'next'} step for this task carefully and state the result clearly.` };
    }
    const action = this.#actions[Math.min(this.#next, this.#actions.length - 1)] as string;
    this.#next++;
    return { text: action };
  }
}
