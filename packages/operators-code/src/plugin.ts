import { definePlugin, pluginMetaFrom } from '@flowsteer/core';
import { CODE_OPERATORS } from './operators.js';
import { PyodideSandbox } from './pyodide-sandbox.js';
import { SystemPythonSandbox } from './system-python-sandbox.js';

/** The sandbox name code operators, `flowsteer run`, `score` and `eval` use unless told otherwise: the isolated one. */
export const DEFAULT_SANDBOX = 'system-python';

/** Registers Programmer, Test and CustomCodeGenerate, and the `pyodide` and `system-python` sandboxes. */
export default definePlugin({
  meta: pluginMetaFrom(import.meta.url),
  register(api) {
    for (const operator of CODE_OPERATORS) api.registerOperator(operator);
    api.registerSandbox('pyodide', (settings) => new PyodideSandbox({ ...(settings.workers === undefined ? {} : { workers: settings.workers }), ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }), ...(settings.memoryMb === undefined ? {} : { memoryMb: settings.memoryMb }) }));
    api.registerSandbox('system-python', (settings) => new SystemPythonSandbox({ ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }), ...(settings.memoryMb === undefined ? {} : { memoryMb: settings.memoryMb }) }));
  },
});
