export { LlamaCppBackend, checkModelFile, llamaCppOptionsFrom, toChatHistory, type LlamaCppOptions } from './backend.js';
export { default as plugin } from './plugin.js';
