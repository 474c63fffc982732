export * from './operators.js';
export * from './parse.js';
export { default as plugin } from './plugin.js';
