export * from './operators.js';
export * from './harness.js';
export { PyodideSandbox, type PyodideSandboxOptions } from './pyodide-sandbox.js';
export { SystemPythonSandbox, type SystemPythonSandboxOptions } from './system-python-sandbox.js';
export { SandboxUnavailableError } from './sandbox-errors.js';
export { DEFAULT_SANDBOX, SCIENTIFIC_SANDBOX } from './plugin.js';
export { default as plugin } from './plugin.js';
