import { definePlugin, pluginMetaFrom } from '@flowsteer/core';
import { OpenAiCompatibleBackend } from './backend.js';

/** Registers the `openai` backend: any OpenAI-compatible chat completions server. */
export default definePlugin({
  meta: pluginMetaFrom(import.meta.url),
  register(api) {
    api.registerBackend('openai', (settings) => new OpenAiCompatibleBackend(settings));
  },
});
