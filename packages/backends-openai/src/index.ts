export { OpenAiCompatibleBackend, type OpenAiBackendOptions } from './backend.js';
export { default as plugin } from './plugin.js';
