import { createRequire } from 'node:module';
import { SLOT_SCAFFOLD_KINDS, isSlotScaffoldKind, slotFiles, type SlotScaffoldKind } from './scaffold-slots.js';

export type ScaffoldKind = 'operator' | 'backend' | SlotScaffoldKind;

/** Every kind `plugins new --kind` and the generators can create. */
export const SCAFFOLD_KINDS: readonly ScaffoldKind[] = ['operator', 'backend', ...SLOT_SCAFFOLD_KINDS];

const PLURAL: Record<ScaffoldKind, string> = { operator: 'operators', backend: 'backends', policy: 'policies', executor: 'executors', scorer: 'scorers', trainer: 'trainers', canvas: 'canvases', store: 'stores' };

export interface ScaffoldOptions {
  /** Short name (`bm25`), or a full package name (`flowsteer-operator-bm25`, `@scope/flowsteer-backend-x`). */
  readonly name: string;
  readonly kind: ScaffoldKind;
  /**
   * `workspace`: a package inside the FlowSteer monorepo (`@flowsteer/<kind>s-<name>`, shared
   * tsconfig and test config). `standalone`: a third-party package (`flowsteer-<kind>-<name>`)
   * that builds and tests on its own.
   */
  readonly layout: 'workspace' | 'standalone';
  readonly description?: string;
}

export interface Scaffold {
  readonly packageName: string;
  /** Suggested directory, relative to the workspace root or the current directory. */
  readonly directory: string;
  /** The exported class or operator name, e.g. `Bm25`. */
  readonly symbol: string;
  /** Files relative to `directory`. */
  readonly files: Readonly<Record<string, string>>;
  /** A changeset to add at the workspace root (workspace layout only), keyed by its path there. */
  readonly changeset?: { readonly path: string; readonly content: string };
}

export class ScaffoldError extends Error {}

const SHORT_NAME = /^[a-z][a-z0-9-]*$/;

const ownPackage = createRequire(import.meta.url)('../package.json') as { version: string; peerDependencies: Record<string, string> };

function pascal(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}

/** Resolves the package name and short name from what the user typed. */
function names(options: ScaffoldOptions): { packageName: string; short: string } {
  const raw = options.name.trim();
  if (!SCAFFOLD_KINDS.includes(options.kind)) throw new ScaffoldError(`unknown plugin kind "${options.kind}"; one of ${SCAFFOLD_KINDS.join(', ')}`);
  const kinds = SCAFFOLD_KINDS.join('|');
  const plurals = Object.values(PLURAL).join('|');
  const full = new RegExp(`^(@[a-z0-9][a-z0-9._-]*/)?flowsteer-(${kinds})-([a-z0-9][a-z0-9-]*)$`).exec(raw) ?? new RegExp(`^@flowsteer/(${plurals})-([a-z0-9][a-z0-9-]*)$`).exec(raw);
  if (full !== null) {
    const short = full[full.length - 1] as string;
    const named = full[full.length - 2] as string;
    const namedKind = SCAFFOLD_KINDS.find((kind) => kind === named || PLURAL[kind] === named) ?? named;
    if (namedKind !== options.kind) throw new ScaffoldError(`"${raw}" names a ${namedKind} package; use a ${options.kind} name`);
    return { packageName: raw, short };
  }
  if (!SHORT_NAME.test(raw)) throw new ScaffoldError(`"${raw}" is not a usable plugin name: use lowercase letters, digits and dashes (e.g. "bm25"), or a full package name like flowsteer-${options.kind}-bm25`);
  const packageName = options.layout === 'workspace' ? `@flowsteer/${PLURAL[options.kind]}-${raw}` : `flowsteer-${options.kind}-${raw}`;
  return { packageName, short: raw };
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * The files of a new FlowSteer plugin package that builds, passes the conformance suite and is
 * found by plugin discovery as soon as it is installed. Pure: the caller writes the files (the Nx
 * generator through its tree, `flowsteer plugins new` to disk).
 */
export function pluginScaffold(options: ScaffoldOptions): Scaffold {
  const { packageName, short } = names(options);
  const symbol = pascal(short);
  if (!/^[A-Z]/.test(symbol)) throw new ScaffoldError(`"${options.name}" must start with a letter`);
  const workspace = options.layout === 'workspace';
  const directory = workspace ? `packages/${PLURAL[options.kind]}-${short}` : packageName.replace(/^@[^/]+\//, '');
  const slot = isSlotScaffoldKind(options.kind) ? slotFiles(options.kind, short, symbol) : undefined;
  const description = options.description ?? (options.kind === 'operator' ? `The ${symbol} workflow operator for FlowSteer` : options.kind === 'backend' ? `The ${short} LLM backend for FlowSteer` : `The ${short} ${options.kind} for FlowSteer`);
  const coreRange = ownPackage.peerDependencies['@flowsteer/core'] ?? '^0.1.0';
  const vitestRange = ownPackage.peerDependencies['vitest'] ?? '^4.1.0';

  const pkg = {
    name: packageName,
    version: '0.1.0',
    description,
    type: 'module',
    license: 'MIT',
    keywords: ['flowsteer', 'flowsteer-plugin', `flowsteer-${options.kind}`],
    main: './dist/index.js',
    types: './dist/index.d.ts',
    exports: {
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './plugin': { types: './dist/plugin.d.ts', default: './dist/plugin.js' },
      './package.json': './package.json',
    },
    files: ['dist', 'README.md'],
    sideEffects: false,
    scripts: {
      build: 'tsc -p tsconfig.lib.json',
      typecheck: 'tsc -p tsconfig.json',
      ...(workspace ? { lint: 'flowsteer-boundaries' } : {}),
      test: 'vitest run',
    },
    flowsteer: { kind: options.kind, apiVersion: 1, entry: './dist/plugin.js' },
    peerDependencies: { '@flowsteer/core': coreRange },
    devDependencies: workspace
      ? { '@flowsteer/core': '*', '@flowsteer/plugin-testkit': '*' }
      : { '@flowsteer/core': coreRange, '@flowsteer/plugin-testkit': `^${ownPackage.version}`, typescript: '5.9.3', vitest: vitestRange, '@types/node': '^20.19.0', zod: '4.6.7' },
    ...(options.kind === 'operator' ? { dependencies: { zod: '4.6.7' } } : {}),
  };

  const compilerOptions = {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: true,
    declaration: true,
    isolatedModules: true,
    types: ['node'],
  };
  const files: Record<string, string> = {
    'package.json': json(pkg),
    'tsconfig.json': json(workspace
      ? { extends: '../../tsconfig.base.json', compilerOptions: { noEmit: true, allowImportingTsExtensions: true }, include: ['src/**/*.ts', 'tests/**/*.ts', 'vitest.config.ts'] }
      : { compilerOptions: { ...compilerOptions, noEmit: true }, include: ['src/**/*.ts', 'tests/**/*.ts', 'vitest.config.ts'] }),
    'tsconfig.lib.json': json(workspace
      ? { extends: '../../tsconfig.base.json', compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/.tsbuildinfo' }, include: ['src/**/*.ts'] }
      : { compilerOptions: { ...compilerOptions, rootDir: 'src', outDir: 'dist' }, include: ['src/**/*.ts'] }),
    'vitest.config.ts': workspace
      ? `import { projectTestConfig } from '../../vitest.shared.ts';\n\nexport default projectTestConfig('${PLURAL[options.kind]}-${short}', { testTimeout: 30_000 });\n`
      : `import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({ test: { include: ['tests/**/*.test.ts'], testTimeout: 30_000 } });\n`,
    ...(slot !== undefined
      ? slot.files
      : {
          'src/plugin.ts': options.kind === 'operator' ? operatorPlugin(symbol) : backendPlugin(short, symbol),
          'src/index.ts': options.kind === 'operator' ? `export { ${symbol} } from './operator.js';\nexport { default as plugin } from './plugin.js';\n` : `export { ${symbol}Backend, type ${symbol}Settings } from './backend.js';\nexport { default as plugin } from './plugin.js';\n`,
          ...(options.kind === 'operator' ? { 'src/operator.ts': operatorSource(symbol) } : { 'src/backend.ts': backendSource(short, symbol) }),
          'tests/plugin.test.ts': options.kind === 'operator' ? operatorTest(symbol) : backendTest(short, symbol),
        }),
    'README.md': readme(packageName, options.kind, symbol, short, description, slot?.select),
  };
  if (!workspace) files['.gitignore'] = 'node_modules/\ndist/\n*.tgz\n';
  return {
    packageName,
    directory,
    symbol,
    files,
    ...(workspace ? { changeset: { path: `.changeset/${PLURAL[options.kind]}-${short}.md`, content: `---\n"${packageName}": minor\n---\n\nNew ${options.kind} plugin: ${description}.\n` } } : {}),
  };
}

function operatorPlugin(symbol: string): string {
  return `import { definePlugin, pluginMetaFrom } from '@flowsteer/core';
import { ${symbol} } from './operator.js';

/** Registers the ${symbol} operator; the canvas shows it to the Flow-Director once installed. */
export default definePlugin({
  meta: pluginMetaFrom(import.meta.url),
  register(api) {
    api.registerOperator(${symbol});
  },
});
`;
}

function operatorSource(symbol: string): string {
  return `import { StepInputSchema, StepOutputSchema, completeForNode, type Operator, type StepInput, type StepOutput } from '@flowsteer/core';

/**
 * ${symbol}: asks the executor LLM to answer the problem following the node's instruction, with
 * the previous step's result as context. Replace the prompt and parsing with your operator's own.
 */
export const ${symbol}: Operator<StepInput, StepOutput> = {
  name: '${symbol}',
  category: 'solver',
  description: 'Answers the problem following your instruction, using the previous result as context.',
  inputSchema: StepInputSchema,
  outputSchema: StepOutputSchema,
  async run(input, ctx) {
    ctx.signal.throwIfAborted();
    const parts = [input.instruction, \`Problem: \${input.problem}\`, input.previous === '' ? '' : \`Previous result:\\n\${input.previous}\`];
    const text = await completeForNode(ctx, parts.filter((part) => part !== '').join('\\n\\n'));
    const answer = /<answer>([\\s\\S]*?)<\\/answer>/.exec(text)?.[1]?.trim();
    return { response: answer ?? text.trim() };
  },
};
`;
}

function operatorTest(symbol: string): string {
  return `import { EventBus, UsageLedger } from '@flowsteer/core';
import { ScriptedBackend, describeOperatorConformance } from '@flowsteer/plugin-testkit';
import { describe, expect, it } from 'vitest';
import { ${symbol} } from '../src/index.js';

describeOperatorConformance('${symbol}', {
  packageDir: new URL('..', import.meta.url),
  cases: { ${symbol}: { input: { problem: 'What is 6*7?' }, replies: ['<answer>42</answer>'], check: (out) => expect(out).toEqual({ response: '42' }) } },
});

describe('${symbol}', () => {
  it('sends the instruction, the problem and the previous result, and records usage', async () => {
    const backend = new ScriptedBackend(['It is 42.']);
    const ledger = new UsageLedger();
    const out = await ${symbol}.run(
      { problem: 'What is 6*7?', instruction: 'Multiply.', previous: 'six times seven', solution: '', candidates: [], feedback: '', plan: '', code: '', problemType: 'math' },
      { nodeId: 'n1', turn: 1, runId: 't', backend, signal: new AbortController().signal, usage: ledger.child({ nodeId: 'n1', operator: '${symbol}', turn: 1 }), events: new EventBus() },
    );
    expect(out).toEqual({ response: 'It is 42.' });
    expect(backend.requests[0]?.messages.at(-1)?.content).toBe('Multiply.\\n\\nProblem: What is 6*7?\\n\\nPrevious result:\\nsix times seven');
    expect(ledger.total().calls).toBe(1);
  });
});
`;
}

function backendPlugin(short: string, symbol: string): string {
  return `import { definePlugin, pluginMetaFrom } from '@flowsteer/core';
import { ${symbol}Backend } from './backend.js';

/** Registers the \`${short}\` backend; select it with --set executor.backend=${short}. */
export default definePlugin({
  meta: pluginMetaFrom(import.meta.url),
  register(api) {
    api.registerBackend('${short}', (settings) => new ${symbol}Backend(settings));
  },
});
`;
}

function backendSource(short: string, symbol: string): string {
  return `import { AbortError, BackendError, streamFromChat, type BackendSettings, type ChatRequest, type ChatResult, type ChatStreamEvent, type LlmBackend } from '@flowsteer/core';

export type ${symbol}Settings = BackendSettings;

interface GenerateResponse {
  readonly text?: unknown;
  readonly prompt_tokens?: unknown;
  readonly completion_tokens?: unknown;
}

/**
 * A backend for a server that answers \`POST {baseUrl}/generate\` with
 * \`{"prompt", "max_tokens", "temperature"}\` → \`{"text", "prompt_tokens", "completion_tokens"}\`.
 * Replace the request and response mapping with your server's protocol.
 */
export class ${symbol}Backend implements LlmBackend {
  readonly id: string;
  readonly #baseUrl: string;
  readonly #model: string;
  readonly #timeoutMs: number;

  constructor(settings: ${symbol}Settings) {
    if (settings.baseUrl === undefined || settings.baseUrl === '') throw new BackendError('${short}', 'set baseUrl, e.g. --set executor.baseUrl=http://127.0.0.1:8080');
    this.#baseUrl = settings.baseUrl.replace(/\\/+$/, '');
    this.#model = settings.model ?? '${short}';
    this.#timeoutMs = settings.timeoutMs ?? 60_000;
    this.id = \`${short}:\${this.#model}\`;
  }

  async chat(request: ChatRequest): Promise<ChatResult> {
    // A function, not a property read: the signal can flip while the request is in flight.
    const aborted = (): boolean => request.signal?.aborted === true;
    if (aborted()) throw new AbortError(\`\${this.id} request\`, { cause: request.signal?.reason });
    const started = performance.now();
    const prompt = request.messages.map((m) => \`\${m.role}: \${m.content}\`).join('\\n');
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    let body: GenerateResponse;
    try {
      const response = await fetch(\`\${this.#baseUrl}/generate\`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt, max_tokens: request.sampling?.maxTokens ?? 512, temperature: request.sampling?.temperature ?? 0 }),
        signal: request.signal === undefined ? timeout : AbortSignal.any([request.signal, timeout]),
      });
      if (!response.ok) throw new BackendError(this.id, \`HTTP \${response.status}: \${(await response.text()).slice(0, 200)}\`, { status: response.status });
      body = (await response.json()) as GenerateResponse;
    } catch (error) {
      if (error instanceof BackendError) throw error;
      if (aborted()) throw new AbortError(\`\${this.id} request\`, { cause: error });
      throw new BackendError(this.id, \`cannot reach \${this.#baseUrl}: \${(error as Error).message}\`, { cause: error });
    }
    if (typeof body.text !== 'string') throw new BackendError(this.id, 'response has no "text" string');
    const promptTokens = typeof body.prompt_tokens === 'number' ? body.prompt_tokens : 0;
    const completionTokens = typeof body.completion_tokens === 'number' ? body.completion_tokens : 0;
    return {
      text: body.text,
      model: this.#model,
      finishReason: 'stop',
      usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
      latencyMs: performance.now() - started,
    };
  }

  stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    return streamFromChat(this, request);
  }
}
`;
}

function backendTest(short: string, symbol: string): string {
  return `import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeBackendConformance } from '@flowsteer/plugin-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ${symbol}Backend } from '../src/index.js';

/** A real server on loopback that speaks the /generate protocol and echoes the prompt's length. */
async function startServer(): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const { prompt } = JSON.parse(raw) as { prompt: string };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ text: \`read \${prompt.length} characters\`, prompt_tokens: prompt.split(/\\s+/).length, completion_tokens: 3 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: \`http://127.0.0.1:\${(server.address() as AddressInfo).port}\` };
}

const stop = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describeBackendConformance('${short}', {
  packageDir: new URL('..', import.meta.url),
  backend: '${short}',
  setup: async () => {
    const { server, baseUrl } = await startServer();
    return { settings: { baseUrl, model: 'test' }, teardown: () => stop(server) };
  },
  // Nothing listens on port 9 (discard) on loopback: the connection is refused.
  failing: async () => ({ settings: { baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 } }),
});

describe('${symbol}Backend', () => {
  let server: Server;
  let baseUrl = '';
  beforeAll(async () => ({ server, baseUrl } = await startServer()));
  afterAll(() => stop(server));

  it('maps the chat request to /generate and the response to text and usage', async () => {
    const result = await new ${symbol}Backend({ baseUrl, model: 'm' }).chat({ messages: [{ role: 'user', content: 'hello there' }] });
    expect(result).toMatchObject({ text: 'read 17 characters', model: 'm', usage: { promptTokens: 3, completionTokens: 3, totalTokens: 6 } });
  });

  it('refuses to start without a baseUrl', () => {
    expect(() => new ${symbol}Backend({})).toThrow(/set baseUrl/);
  });
});
`;
}

function readme(packageName: string, kind: ScaffoldKind, symbol: string, short: string, description: string, select?: string): string {
  const fence = '```';
  const use = select !== undefined
    ? [`Once installed next to \`flowsteer\`, select it by name:`, '', `${fence}sh`, `npm install ${packageName}`, select, fence]
    : kind === 'operator'
      ? [`Once installed next to \`flowsteer\`, plugin discovery loads it and the canvas offers the **${symbol}** operator to the Flow-Director:`, '', `${fence}sh`, `npm install ${packageName}`, 'npx flowsteer plugins list', fence]
      : [`Once installed next to \`flowsteer\`, select it as the executor (or policy) backend:`, '', `${fence}sh`, `npm install ${packageName}`, `npx flowsteer run --task "What is 6*7?" --workflow "Custom -> Format" --set executor.backend=${short} --set executor.baseUrl=http://127.0.0.1:8080`, fence];
  return [
    `# ${packageName}`,
    '',
    `${description}.`,
    '',
    ...use,
    '',
    '## Develop',
    '',
    `${fence}sh`,
    'npm run build && npm test',
    fence,
    '',
    `The tests run \`@flowsteer/plugin-testkit\`'s ${kind} conformance suite, which loads this package the`,
    'way the host does (manifest, entry module, `register`) and checks the contract the canvas and executor rely on.',
    '',
  ].join('\n');
}
