export { LlamaCppBackend, checkModelFile, defaultThreads, llamaCppOptionsFrom, toChatHistory, type LlamaCppOptions, type LlamaCppProgress } from './backend.js';
export { default as plugin } from './plugin.js';
