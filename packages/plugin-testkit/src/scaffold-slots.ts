/**
 * Source templates for slot plugins (policy, executor, scorer, trainer, canvas, store): a small
 * implementation that passes its kind's conformance suite untouched, to be replaced by the real one.
 * Sandboxes are not scaffolded: a sandbox worth installing needs an isolation boundary (a worker
 * runtime or an OS sandbox) that a template cannot fake.
 */
export const SLOT_SCAFFOLD_KINDS = ['policy', 'executor', 'scorer', 'trainer', 'canvas', 'store'] as const;
export type SlotScaffoldKind = (typeof SLOT_SCAFFOLD_KINDS)[number];

interface SlotTemplate {
  /** What `register` calls. */
  readonly register: (short: string, symbol: string) => string;
  /** The implementation module, `src/<kind>.ts`. */
  readonly source: (short: string, symbol: string) => string;
  /** `tests/plugin.test.ts`: the conformance suite. */
  readonly test: (short: string) => string;
  /** How to select it, for the README. */
  readonly select: (short: string) => string;
}

const TEMPLATES: Record<SlotScaffoldKind, SlotTemplate> = {
  policy: {
    register: (short, symbol) => `api.registerPolicy('${short}', () => new ${symbol}Policy());`,
    source: (short, symbol) => `import type { Observation, Policy, PolicyOutput } from '@flowsteer/core';

const WORKFLOW = [
  '<action>add</action><operator>Plan</operator>',
  '<action>add</action><operator>Custom</operator>',
  '<action>add</action><structure>conditional</structure><condition>Review</condition><true>Revise</true><false>done</false>',
  '<action>add</action><operator>Format</operator>',
  '<action>finish</action>',
];

/** Builds one fixed workflow that passes the default finish rules. Replace with your policy's decisions. */
export class ${symbol}Policy implements Policy {
  readonly id = '${short}';
  #next = 0;

  async act(observation: Observation, signal: AbortSignal): Promise<PolicyOutput> {
    signal.throwIfAborted();
    if (observation.awaitingPrompt) return { text: 'Solve this step carefully and state the result.' };
    const text = WORKFLOW[Math.min(this.#next, WORKFLOW.length - 1)] ?? '<action>finish</action>';
    this.#next++;
    return { text };
  }
}
`,
    test: (short) => `import { describePolicyConformance } from '@flowsteer/plugin-testkit';

describePolicyConformance('${short}', { packageDir: new URL('..', import.meta.url), name: '${short}' });
`,
    select: (short) => `npx flowsteer eval --data tasks.jsonl --out runs/${short} --policy ${short}   # or policy.use=${short} in flowsteer.config.json`,
  },
  executor: {
    register: (short, symbol) => `api.registerExecutor('${short}', (context) => new ${symbol}Executor(context.backend));`,
    source: (short, symbol) => `import type { ExecutionOutcome, ExecutionRequest, LlmBackend, WorkflowExecutor } from '@flowsteer/core';

/** Answers the task with one call to the executor LLM. Replace with your way of running the workflow. */
export class ${symbol}Executor implements WorkflowExecutor {
  readonly #backend: () => Promise<LlmBackend>;
  #tokens = 0;

  constructor(backend: () => Promise<LlmBackend>) {
    this.#backend = backend;
  }

  async execute(request: ExecutionRequest, signal: AbortSignal): Promise<ExecutionOutcome> {
    signal.throwIfAborted();
    const backend = await this.#backend();
    const result = await backend.chat({ messages: [{ role: 'user', content: \`Workflow: \${request.dsl}\\nTask: \${request.task.problem}\` }], signal });
    this.#tokens += result.usage.totalTokens;
    return { success: true, output: { output: result.text } };
  }

  tokensUsed(): number {
    return this.#tokens;
  }
}
`,
    test: (short) => `import { describeExecutorConformance } from '@flowsteer/plugin-testkit';

describeExecutorConformance('${short}', { packageDir: new URL('..', import.meta.url), name: '${short}' });
`,
    select: (short) => `npx flowsteer eval --data tasks.jsonl --out runs/${short} --set executor.use=${short}`,
  },
  scorer: {
    register: (short, symbol) => `api.registerScorer(${symbol}Scorer);`,
    source: (short, symbol) => `import type { ScoreInput, ScoreResult, Scorer } from '@flowsteer/core';

/** Lowercase, punctuation and whitespace folded away. */
function normalise(text: string): string {
  return text.toLowerCase().replace(/[^\\p{L}\\p{N}]+/gu, ' ').trim();
}

/** Exact match after normalisation; an empty reference matches nothing. Replace with your metric. */
export const ${symbol}Scorer: Scorer = {
  metric: '${short}',
  async score(input: ScoreInput): Promise<ScoreResult> {
    const reference = normalise(input.reference);
    const correct = reference !== '' && normalise(input.prediction) === reference;
    return { value: correct ? 1 : 0, correct, metric: '${short}' };
  },
};
`,
    test: (short) => `import { describeScorerConformance } from '@flowsteer/plugin-testkit';

describeScorerConformance('${short}', {
  packageDir: new URL('..', import.meta.url),
  name: '${short}',
  cases: [
    { prediction: 'Paris.', reference: 'paris', correct: true },
    { prediction: 'Lyon', reference: 'Paris', correct: false },
  ],
});
`,
    select: (short) => `npx flowsteer eval --data tasks.jsonl --out runs/${short} --set scorer.use=${short}`,
  },
  trainer: {
    register: (short, symbol) => `api.registerTrainer('${short}', () => new ${symbol}Trainer());`,
    source: (short, symbol) => `import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FlowSteerError, writeFileAtomic, type EvaluateRequest, type ExportRequest, type PolicyTrainer, type TrainOutcome, type TrainRequest } from '@flowsteer/core';

interface Checkpoint {
  readonly updates: number;
}

/** Counts updates into an atomically written checkpoint. Replace the loop body with your training step. */
export class ${symbol}Trainer implements PolicyTrainer {
  readonly id = '${short}';

  async train(request: TrainRequest): Promise<TrainOutcome> {
    request.signal.throwIfAborted();
    await mkdir(request.out, { recursive: true });
    const total = typeof request.options['updates'] === 'number' ? request.options['updates'] : 2;
    const start = (await this.#read(request.out))?.updates ?? 0;
    let done = start;
    for (; done < total; done++) {
      request.signal.throwIfAborted();
      await writeFileAtomic(join(request.out, 'checkpoint.json'), JSON.stringify({ updates: done + 1 } satisfies Checkpoint));
      request.onProgress?.({ update: done + 1, total, metrics: {} });
    }
    return { out: request.out, resumedFrom: start > 0 ? start : null, updates: done, report: { updates: done }, text: \`trained to update \${done}\` };
  }

  async resume(request: TrainRequest): Promise<TrainOutcome> {
    if ((await this.#read(request.out)) === undefined) throw new FlowSteerError('NOT_FOUND', \`\${request.out} holds no checkpoint to resume\`);
    return this.train(request);
  }

  async evaluate(request: EvaluateRequest): Promise<Readonly<Record<string, unknown>>> {
    const checkpoint = await this.#read(request.out);
    if (checkpoint === undefined) throw new FlowSteerError('NOT_FOUND', \`\${request.out} holds no checkpoint\`);
    return { updates: checkpoint.updates };
  }

  async export(request: ExportRequest): Promise<readonly string[]> {
    const checkpoint = await this.#read(request.out);
    if (checkpoint === undefined) throw new FlowSteerError('NOT_FOUND', \`\${request.out} holds no checkpoint\`);
    await writeFileAtomic(request.to, JSON.stringify(checkpoint));
    return [request.to];
  }

  async #read(out: string): Promise<Checkpoint | undefined> {
    const path = join(out, 'checkpoint.json');
    try {
      await access(path);
    } catch {
      return undefined;
    }
    return JSON.parse(await readFile(path, 'utf8')) as Checkpoint;
  }
}
`,
    test: (short) => `import { describeTrainerConformance } from '@flowsteer/plugin-testkit';

describeTrainerConformance('${short}', { packageDir: new URL('..', import.meta.url), name: '${short}', trainOptions: { updates: 3 }, exportFormat: 'json' });
`,
    select: (short) => `npx flowsteer train --out runs/${short} --set trainer.use=${short}`,
  },
  canvas: {
    register: (short, symbol) => `api.registerCanvas('${short}', (context) => new ${symbol}Canvas(context.settings.maxRounds));`,
    source: (short, symbol) => `import type { CanvasEnvironment, CanvasStepOutcome, CanvasTaskSpec, Observation } from '@flowsteer/core';

interface State {
  readonly problem: string;
  readonly operators: string[];
  round: number;
  done: boolean;
}

const ADD = /^<action>add<\\/action><operator>([A-Z][A-Za-z0-9]*)<\\/operator>$/;

/** A canvas that builds a chain of operators. Replace with your environment's rules and feedback. */
export class ${symbol}Canvas implements CanvasEnvironment<State> {
  readonly #maxRounds: number;
  #state: State = { problem: '', operators: [], round: 0, done: false };

  constructor(maxRounds: number) {
    this.#maxRounds = maxRounds;
  }

  get done(): boolean {
    return this.#state.done;
  }

  reset(task: CanvasTaskSpec): { readonly observation: Observation } {
    this.#state = { problem: task.problem, operators: [], round: 0, done: false };
    return { observation: this.observation() };
  }

  async step(text: string): Promise<CanvasStepOutcome> {
    const state = this.#state;
    state.round += 1;
    let feedback = 'Not understood: reply with <action>add</action><operator>NAME</operator> or <action>finish</action>.';
    const add = ADD.exec(text.trim());
    if (add?.[1] !== undefined) {
      state.operators.push(add[1]);
      feedback = \`Added \${add[1]}.\`;
    } else if (text.trim() === '<action>finish</action>' && state.operators.length > 0) {
      state.done = true;
      feedback = 'Finished.';
    }
    if (state.round >= this.#maxRounds) state.done = true;
    return { observation: this.observation(), feedback, done: state.done, info: { operators: [...state.operators] } };
  }

  observation(): Observation {
    const text = \`Task: \${this.#state.problem}\\nWorkflow so far: \${this.#state.operators.join(' -> ') || '(empty)'}\`;
    return { turn: this.#state.round + 1, text, messages: [{ role: 'user', content: text }], awaitingPrompt: false };
  }

  snapshot(): State {
    return structuredClone(this.#state);
  }

  restore(snapshot: State): void {
    this.#state = structuredClone(snapshot);
  }
}
`,
    test: (short) => `import { describeCanvasConformance } from '@flowsteer/plugin-testkit';

describeCanvasConformance('${short}', {
  packageDir: new URL('..', import.meta.url),
  name: '${short}',
  finishingScript: ['<action>add</action><operator>Plan</operator>', '<action>finish</action>'],
});
`,
    select: (short) => `--set canvas.use=${short}`,
  },
  store: {
    register: (short, symbol) => `api.registerStore('${short}', () => new ${symbol}Store());`,
    source: (short, symbol) => `import type { Store } from '@flowsteer/core';

/** Keys are relative paths of plain segments; anything that could climb out is refused. */
function checkKey(key: string): void {
  if (key === '' || key.startsWith('/') || key.split('/').some((part) => part === '' || part === '.' || part === '..')) throw new Error(\`bad store key "\${key}"\`);
}

/** Keeps everything in memory (lost on exit). Replace with your database; keep writes atomic. */
export class ${symbol}Store implements Store {
  readonly location = 'memory:${short}';
  readonly #documents = new Map<string, unknown>();
  readonly #streams = new Map<string, unknown[]>();

  async get<T>(key: string): Promise<T | undefined> {
    return this.#documents.has(key) ? (structuredClone(this.#documents.get(key)) as T) : undefined;
  }

  async put(key: string, value: unknown): Promise<void> {
    checkKey(key);
    this.#documents.set(key, structuredClone(value));
  }

  async delete(key: string): Promise<boolean> {
    return this.#documents.delete(key);
  }

  async list(prefix = ''): Promise<readonly string[]> {
    return [...this.#documents.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  async append(stream: string, record: unknown): Promise<void> {
    checkKey(stream);
    this.#streams.set(stream, [...(this.#streams.get(stream) ?? []), structuredClone(record)]);
  }

  async read<T>(stream: string): Promise<readonly T[]> {
    return structuredClone(this.#streams.get(stream) ?? []) as T[];
  }
}
`,
    test: (short) => `import { describeStoreConformance } from '@flowsteer/plugin-testkit';

describeStoreConformance('${short}', { packageDir: new URL('..', import.meta.url), name: '${short}' });
`,
    select: (short) => `--set store.use=${short}`,
  },
};

export function isSlotScaffoldKind(kind: string): kind is SlotScaffoldKind {
  return (SLOT_SCAFFOLD_KINDS as readonly string[]).includes(kind);
}

/** The kind-specific files of a slot plugin package. */
export function slotFiles(kind: SlotScaffoldKind, short: string, symbol: string): { files: Record<string, string>; select: string } {
  const template = TEMPLATES[kind];
  const plugin = `import { definePlugin, pluginMetaFrom } from '@flowsteer/core';
import { ${exportName(kind, symbol)} } from './${kind}.js';

/** Registers the \`${short}\` ${kind}; select it with ${kind}.use=${short}. */
export default definePlugin({
  meta: pluginMetaFrom(import.meta.url),
  register(api) {
    ${template.register(short, symbol)}
  },
});
`;
  return {
    files: {
      'src/plugin.ts': plugin,
      [`src/${kind}.ts`]: template.source(short, symbol),
      'src/index.ts': `export { ${exportName(kind, symbol)} } from './${kind}.js';\nexport { default as plugin } from './plugin.js';\n`,
      'tests/plugin.test.ts': template.test(short),
    },
    select: template.select(short),
  };
}

function exportName(kind: SlotScaffoldKind, symbol: string): string {
  return `${symbol}${kind[0]?.toUpperCase() ?? ''}${kind.slice(1)}`;
}
