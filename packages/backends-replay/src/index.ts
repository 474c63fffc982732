export * from './cassette.js';
export { default as plugin } from './plugin.js';
