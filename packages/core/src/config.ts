import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.js';

/** Connection and sampling settings for one LLM backend (the policy's or the executor's). */
export const BackendConfigSchema = z
  .object({
    /** Registry name of the backend plugin, e.g. `openai` or `replay`. */
    backend: z.string().min(1).default('openai'),
    model: z.string().min(1).optional(),
    baseUrl: z.url().optional(),
    apiKey: z.string().min(1).optional(),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().positive().optional(),
    timeoutMs: z.number().int().positive().optional(),
    maxRetries: z.number().int().min(0).max(20).optional(),
    concurrency: z.number().int().positive().optional(),
    /** Backend-specific settings, e.g. `{"cassette": "run.cassette.jsonl"}` for replay. */
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** `use` picks a slot's registry entry by name; `custom` imports `module` instead. */
const slotFields = (use: string) => ({
  use: z.string().min(1).default(use),
  /** The module whose default export is the factory, when `use` is `custom` (relative to the project root). */
  module: z.string().min(1).optional(),
  /** Settings for the chosen implementation; each documents its keys. */
  options: z.record(z.string(), z.unknown()).default({}),
});

/** The one canvas section every command reads (the reference training values by default). */
export const CanvasSettingsSchema = z
  .object({
    ...slotFields('workflow'),
    maxRounds: z.number().int().min(1).max(100).default(20),
    minOperators: z.number().int().min(0).default(5),
    requireChecker: z.boolean().default(true),
    requireStructure: z.boolean().default(true),
  })
  .strict();

export const CoreConfigSchema = z
  .object({
    policy: z
      .object({
        /** Registry name of the policy: `auto`, `llm`, `onnx`, `human`, `template:NAME`, a plugin's, or `custom`. */
        ...slotFields('auto'),
        backend: BackendConfigSchema.prefault({}),
      })
      .strict()
      .prefault({}),
    executor: BackendConfigSchema.extend({
      /** `auto` (an LLM when one is configured or found on loopback, else the simulator), `workflow`, `simulated`, a plugin's, or `custom`. */
      use: z.string().min(1).default('auto'),
      module: z.string().min(1).optional(),
    }).prefault({}),
    canvas: CanvasSettingsSchema.prefault({}),
    trainer: z.object(slotFields('cwrpo')).strict().prefault({}),
    sandbox: z
      .object({
        ...slotFields('system-python'),
        timeoutMs: z.number().int().positive().optional(),
        memoryMb: z.number().int().positive().optional(),
        workers: z.number().int().positive().optional(),
      })
      .strict()
      .prefault({}),
    /** `auto` scores each dataset with its own metric; any other name scores everything with that scorer. */
    scorer: z.object(slotFields('auto')).strict().prefault({}),
    plugins: z
      .object({
        paths: z.array(z.string().min(1)).default([]),
        disabled: z.array(z.string().min(1)).default([]),
        /** Plugins allowed to replace a first-party contribution of the same name (otherwise the clash is reported and skipped). */
        override: z.array(z.string().min(1)).default([]),
        scanNodeModules: z.boolean().default(true),
        loadTimeoutMs: z.number().int().positive().default(10_000),
        /** Settings for individual plugins, keyed by package name; each plugin documents its keys. */
        options: z.record(z.string().min(1), z.record(z.string(), z.unknown())).default({}),
      })
      .strict()
      .prefault({}),
    store: z
      .object({ ...slotFields('file'), dir: z.string().min(1).default('.flowsteer') })
      .strict()
      .prefault({}),
  })
  .strict();

export type BackendConfig = z.output<typeof BackendConfigSchema>;
export type CoreConfig = z.output<typeof CoreConfigSchema>;
export type CanvasConfig = z.output<typeof CanvasSettingsSchema>;

export const CONFIG_FILE_NAME = 'flowsteer.config.json';
export const ENV_PREFIX = 'FLOWSTEER_';
/** Environment variables that are not config keys. */
const RESERVED_ENV = new Set(['FLOWSTEER_CONFIG']);

export interface LoadConfigOptions<S extends Record<string, z.ZodType>> {
  readonly cwd: string;
  /** Explicit config file; otherwise `FLOWSTEER_CONFIG`, otherwise the nearest `flowsteer.config.json` upward. */
  readonly file?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Dotted-path overrides from the command line, e.g. `{"executor.model": "gpt-4o-mini"}`. */
  readonly overrides?: Readonly<Record<string, string>>;
  /** Sections contributed by other packages (canvas, cwrpo, eval), validated with the core ones. */
  readonly sections?: S;
}

export type LoadedConfig<S extends Record<string, z.ZodType>> = CoreConfig & { [K in keyof S]: z.output<S[K]> };

export interface ConfigResult<S extends Record<string, z.ZodType>> {
  readonly config: LoadedConfig<S>;
  readonly file: string | undefined;
  /** Where each explicitly set key came from: `file <path>`, `env <NAME>` or `flag --set <key>`. */
  readonly provenance: ReadonlyMap<string, string>;
  /** Problems that did not stop loading, e.g. an unknown `FLOWSTEER_*` variable (ignored). */
  readonly warnings: readonly string[];
}

type Leaf = { kind: 'string' | 'number' | 'boolean' | 'list' | 'other' };

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault) current = current.unwrap() as z.ZodType;
    else return current;
  }
}

/** Every leaf key of the schema with its dotted path, for env mapping and flag checking. */
function leavesOf(schema: z.ZodType, prefix: string[] = []): Map<string, Leaf> {
  const leaves = new Map<string, Leaf>();
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    for (const [key, child] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
      for (const [path, leaf] of leavesOf(child, [...prefix, key])) leaves.set(path, leaf);
    }
    return leaves;
  }
  let kind: Leaf['kind'] = 'other';
  if (inner instanceof z.ZodString || inner instanceof z.ZodEnum || inner instanceof z.ZodURL) kind = 'string';
  else if (inner instanceof z.ZodNumber) kind = 'number';
  else if (inner instanceof z.ZodBoolean) kind = 'boolean';
  else if (inner instanceof z.ZodArray) kind = 'list';
  leaves.set(prefix.join('.'), { kind });
  return leaves;
}

/** `policy.backend.baseUrl` → `FLOWSTEER_POLICY_BACKEND_BASE_URL`. */
export function envNameFor(path: string): string {
  return ENV_PREFIX + path.split('.').map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

function coerce(raw: string, leaf: Leaf, key: string, source: string): unknown {
  switch (leaf.kind) {
    case 'number': {
      const value = Number(raw.trim());
      if (raw.trim() === '' || !Number.isFinite(value)) throw new ConfigError(key, `expected a number, got "${raw}"`, { source });
      return value;
    }
    case 'boolean': {
      const normalised = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(normalised)) return true;
      if (['false', '0', 'no', 'off'].includes(normalised)) return false;
      throw new ConfigError(key, `expected true or false, got "${raw}"`, { source });
    }
    case 'list':
      return raw.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
    case 'other':
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        throw new ConfigError(key, `expected a JSON value, got "${raw}"`, { source });
      }
    case 'string':
      return raw;
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

function recordProvenance(value: unknown, prefix: string, source: string, into: Map<string, string>): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) recordProvenance(child, prefix === '' ? key : `${prefix}.${key}`, source, into);
  } else if (prefix !== '') {
    into.set(prefix, source);
  }
}

function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function sourceFor(path: string, provenance: ReadonlyMap<string, string>): string | undefined {
  const parts = path.split('.');
  for (let length = parts.length; length > 0; length--) {
    const found = provenance.get(parts.slice(0, length).join('.'));
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Loads configuration in layers: schema defaults < config file < `FLOWSTEER_*` environment <
 * command-line overrides. Unknown keys are errors in every layer, and every error names the
 * dotted key and the layer it came from.
 */
export async function loadConfig<S extends Record<string, z.ZodType> = Record<never, z.ZodType>>(
  options: LoadConfigOptions<S>,
): Promise<ConfigResult<S>> {
  const env = options.env ?? process.env;
  const schema = CoreConfigSchema.extend(options.sections ?? {});
  const leaves = leavesOf(schema);
  const provenance = new Map<string, string>();
  const merged: Record<string, unknown> = {};
  const warnings: string[] = [];

  const explicitFile = options.file ?? env['FLOWSTEER_CONFIG'];
  const file = explicitFile !== undefined ? (isAbsolute(explicitFile) ? explicitFile : resolve(options.cwd, explicitFile)) : findConfigFile(options.cwd);
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new ConfigError('(file)', `cannot read config file ${file}`, { cause: error });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new ConfigError('(file)', `${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError('(file)', `${file} must contain a JSON object`);
    }
    Object.assign(merged, parsed);
    recordProvenance(parsed, '', `file ${file}`, provenance);
  }

  const envByName = new Map([...leaves.keys()].map((path) => [envNameFor(path), path]));
  for (const [name, raw] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined || RESERVED_ENV.has(name)) continue;
    const path = envByName.get(name);
    if (path === undefined) {
      // Other tools share the prefix; a stray variable must not stop every command.
      warnings.push(`ignoring unknown environment variable ${name} (not a config key; \`flowsteer config\` lists them)`);
      continue;
    }
    const leaf = leaves.get(path) as Leaf;
    setPath(merged, path, coerce(raw, leaf, path, `env ${name}`));
    provenance.set(path, `env ${name}`);
  }

  for (const [path, raw] of Object.entries(options.overrides ?? {})) {
    const leaf = leaves.get(path);
    const source = `flag --set ${path}`;
    if (leaf === undefined) throw new ConfigError(path, `unknown config key; known: ${[...leaves.keys()].sort().join(', ')}`, { source });
    setPath(merged, path, coerce(raw, leaf, path, source));
    provenance.set(path, source);
  }

  const result = schema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => {
      const base = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({ key: base === '' ? key : `${base}.${key}`, message: 'unknown config key' }));
      }
      return [{ key: base === '' ? '(root)' : base, message: issue.message }];
    });
    const first = problems[0] ?? { key: '(root)', message: 'invalid configuration' };
    const firstSource = sourceFor(first.key, provenance);
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more: ${problems.slice(1).map((p) => p.key).join(', ')})` : '';
    throw new ConfigError(first.key, `${first.message}${more}`, {
      ...(firstSource === undefined ? {} : { source: firstSource }),
      details: { problems },
    });
  }
  return { config: result.data as LoadedConfig<S>, file, provenance, warnings };
}
