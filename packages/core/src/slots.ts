import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CanvasEnvironment } from './contracts/canvas.js';
import type { WorkflowExecutor } from './contracts/executor.js';
import type { LlmBackend } from './contracts/llm.js';
import type { Operator, OperatorCategory } from './contracts/operator.js';
import type { Sandbox } from './contracts/sandbox.js';
import type { Store } from './contracts/store.js';
import type { PolicyTrainer } from './contracts/trainer.js';
import { ConfigError, NotFoundError, describeError } from './errors.js';
import type { EventSink } from './events.js';
import type { Registry } from './registry.js';

/**
 * The selectable parts of a host. Each is chosen by name with `<slot>.use` in config; built-ins
 * and plugins register into the same registry, and `custom` loads `<slot>.module` instead.
 */
export const SLOT_KINDS = ['policy', 'executor', 'canvas', 'trainer', 'sandbox', 'scorer', 'store'] as const;
export type SlotKind = (typeof SLOT_KINDS)[number];

/** The name that makes a slot load its factory from the module at `<slot>.module`. */
export const CUSTOM_SLOT = 'custom';

/** The typed canvas settings every command reads from the one `canvas` config section. */
export interface CanvasSettings {
  readonly maxRounds: number;
  readonly minOperators: number;
  readonly requireChecker: boolean;
  readonly requireStructure: boolean;
}

/** What a canvas needs to know about an installed operator. */
export interface OperatorInfo {
  readonly name: string;
  readonly category: OperatorCategory;
  readonly description: string;
}

export interface ExecutorFactoryContext {
  /** The executor's own LLM backend (never the policy's), built lazily from `executor.*`. */
  readonly backend: () => Promise<LlmBackend>;
  readonly operators: readonly Operator[];
  /** The sandbox chosen by `sandbox.use`, built lazily; undefined when none is installed. */
  readonly sandbox: () => Promise<Sandbox | undefined>;
  readonly events: EventSink;
  readonly runId: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export type ExecutorFactory = (context: ExecutorFactoryContext) => WorkflowExecutor | Promise<WorkflowExecutor>;

export interface CanvasFactoryContext {
  readonly settings: CanvasSettings;
  readonly executor?: WorkflowExecutor;
  /** Operators the canvas should accept (the installed ones). */
  readonly operators: readonly OperatorInfo[];
  /** Operators advertised to the policy, in order; the canvas's default when unset. */
  readonly library?: readonly string[];
  readonly events?: EventSink;
  readonly runId: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/** Called once per episode: canvases keep per-episode state. */
export type CanvasFactory = (context: CanvasFactoryContext) => CanvasEnvironment;

export interface TrainerFactoryContext {
  readonly settings: { readonly canvas: CanvasSettings };
  readonly events: EventSink;
  readonly cwd: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** The canvas factory `canvas.use` names, for a trainer that plays episodes on the host's canvas. */
  readonly canvas?: () => Promise<CanvasFactory>;
  /** The executor `executor.use` names, built on the first call (its caller does not close it: the host does). */
  readonly executor?: () => Promise<WorkflowExecutor>;
}

export type TrainerFactory = (context: TrainerFactoryContext) => PolicyTrainer | Promise<PolicyTrainer>;

export interface StoreSettings {
  /** Absolute directory the store lives in. */
  readonly dir: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export type StoreFactory = (settings: StoreSettings) => Store;

/** The registry entry `use` names, or the default export of `module` when `use` is `custom`. */
export async function resolveSlot<T>(registry: Registry<T>, selection: { readonly use: string; readonly module?: string | undefined }, cwd: string): Promise<T> {
  if (selection.use !== CUSTOM_SLOT) {
    const found = registry.tryGet(selection.use);
    if (found === undefined) throw new NotFoundError(registry.kind, selection.use, [...registry.names(), CUSTOM_SLOT].sort());
    return found;
  }
  const key = `${registry.kind}.module`;
  if (selection.module === undefined) throw new ConfigError(key, `${registry.kind}.use is "${CUSTOM_SLOT}" but ${key} is not set`);
  const path = isAbsolute(selection.module) ? selection.module : resolve(cwd, selection.module);
  let namespace: { default?: unknown };
  try {
    namespace = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    throw new ConfigError(key, `cannot import ${path}: ${describeError(error)}`, { cause: error });
  }
  if (typeof namespace.default !== 'function') throw new ConfigError(key, `${path} must default-export a ${registry.kind} factory function`);
  return namespace.default as T;
}

/** Every name a slot accepts, for `--policy` style flags and error messages. */
export function slotNames(registry: Registry<unknown>): string[] {
  return [...registry.names(), CUSTOM_SLOT].sort();
}
