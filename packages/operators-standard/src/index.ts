export * from './operators.js';
export * from './parse.js';
export { complete, type CompletionOptions } from './llm.js';
export { default as plugin } from './plugin.js';
