/**
 * @flowsteer/plugin-testkit: what a plugin author needs to prove a plugin works in any FlowSteer
 * host. Conformance suites (vitest) for operator and backend plugins, and an in-memory scripted
 * executor backend. The package scaffold lives at `@flowsteer/plugin-testkit/scaffold`.
 */
export { ScriptedBackend, type ReplyScript, type ScriptedReply } from './scripted-backend.js';
export { loadPluginPackage, type LoadedForTest } from './load-plugin.js';
export { describeOperatorConformance, type OperatorCase, type OperatorConformanceOptions } from './operator-conformance.js';
export { BACKEND_CONFORMANCE_REQUESTS, describeBackendConformance, type BackendConformanceOptions, type BackendFixture } from './backend-conformance.js';
