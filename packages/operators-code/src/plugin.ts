import { definePlugin, pluginMetaFrom, type SandboxSettings } from '@flowsteer/core';
import { CODE_OPERATORS } from './operators.js';
import { PyodideSandbox } from './pyodide-sandbox.js';
import { SystemPythonSandbox, type SystemPythonSandboxOptions } from './system-python-sandbox.js';

/** The sandbox code operators, `flowsteer run`, `score` and `eval` use unless told otherwise: the isolated one. */
export const DEFAULT_SANDBOX = 'system-python';

/** The sandbox for benchmarks whose solutions need numpy and pandas (DS-1000): the same isolation, both preloaded. */
export const SCIENTIFIC_SANDBOX = 'system-python-numpy';

function systemOptions(settings: SandboxSettings, preload: readonly string[]): SystemPythonSandboxOptions {
  const python = settings.options?.['python'];
  return {
    ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
    ...(settings.memoryMb === undefined ? {} : { memoryMb: settings.memoryMb }),
    ...(settings.workers === undefined ? {} : { pool: settings.workers }),
    ...(typeof python === 'string' ? { python } : {}),
    preload,
  };
}

/**
 * Registers Programmer, Test and CustomCodeGenerate; the isolated `system-python` sandbox (the
 * default), `system-python-numpy` (the same with numpy and pandas), and `pyodide`, which refuses
 * to run: it has no OS boundary (see the README).
 */
export default definePlugin({
  meta: pluginMetaFrom(import.meta.url),
  register(api) {
    for (const operator of CODE_OPERATORS) api.registerOperator(operator);
    api.registerSandbox(DEFAULT_SANDBOX, (settings) => new SystemPythonSandbox(systemOptions(settings, [])));
    api.registerSandbox(SCIENTIFIC_SANDBOX, (settings) => new SystemPythonSandbox({ memoryMb: 2048, ...systemOptions(settings, ['numpy', 'pandas']) }));
    api.registerSandbox('pyodide', (settings) => new PyodideSandbox({ ...(settings.workers === undefined ? {} : { workers: settings.workers }), ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }), ...(settings.memoryMb === undefined ? {} : { memoryMb: settings.memoryMb }) }));
  },
});
