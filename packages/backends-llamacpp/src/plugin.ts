import { definePlugin, pluginMetaFrom } from '@flowsteer/core';
import { LlamaCppBackend, llamaCppOptionsFrom } from './backend.js';

/** Registers the `llamacpp` backend: a local GGUF model in-process, selected by its path as the model. */
export default definePlugin({
  meta: pluginMetaFrom(import.meta.url),
  register(api) {
    api.registerBackend('llamacpp', (settings) => new LlamaCppBackend(llamaCppOptionsFrom(settings)));
  },
});
