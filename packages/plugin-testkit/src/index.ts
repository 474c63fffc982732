/**
 * @flowsteer/plugin-testkit: what a plugin author needs to prove a plugin works in any FlowSteer
 * host. Conformance suites (vitest) for every plugin kind (operator, backend, policy, executor,
 * sandbox, scorer, trainer, canvas, store), and an in-memory scripted
 * executor backend. The package scaffold lives at `@flowsteer/plugin-testkit/scaffold`.
 */
export { ScriptedBackend, type ReplyScript, type ScriptedReply } from './scripted-backend.js';
export { loadPluginPackage, type LoadedForTest } from './load-plugin.js';
export { describeOperatorConformance, type OperatorCase, type OperatorConformanceOptions } from './operator-conformance.js';
export { BACKEND_CONFORMANCE_REQUESTS, describeBackendConformance, type BackendConformanceOptions, type BackendFixture } from './backend-conformance.js';
export { describePolicyConformance, type PolicyConformanceOptions } from './conformance/policy.js';
export { describeExecutorConformance, type ExecutorConformanceOptions } from './conformance/executor.js';
export { describeSandboxConformance, type SandboxConformanceOptions } from './conformance/sandbox.js';
export { describeScorerConformance, type ScorerCase, type ScorerConformanceOptions } from './conformance/scorer.js';
export { describeTrainerConformance, type TrainerConformanceOptions } from './conformance/trainer.js';
export { describeCanvasConformance, type CanvasConformanceOptions } from './conformance/canvas.js';
export { describeStoreConformance } from './conformance/store.js';
export type { SlotConformanceOptions } from './conformance/shared.js';
