/**
 * @flowsteer/core: the contracts every FlowSteer package and plugin builds on. This package
 * depends on no other FlowSteer package.
 */
export * from './errors.js';
export * from './events.js';
export * from './usage.js';
export * from './concurrency.js';
export * from './contracts/llm.js';
export * from './contracts/operator.js';
export * from './contracts/policy.js';
export * from './contracts/scorer.js';
export * from './contracts/sandbox.js';
export * from './contracts/store.js';
export * from './contracts/step.js';
export * from './contracts/canvas.js';
export * from './contracts/executor.js';
export * from './contracts/trainer.js';
export * from './slots.js';
export * from './operator-llm.js';
export * from './registry.js';
export * from './atomic.js';
export * from './terminal-text.js';
export * from './file-store.js';
export * from './config.js';
export * from './container.js';
export * from './host.js';
export * from './plugins/api.js';
export * from './plugins/manifest.js';
export * from './plugins/discovery.js';
export * from './plugins/contributions.js';
export { version as CORE_VERSION } from './version.js';
