import { BackendError, definePlugin, pluginMetaFrom } from '@flowsteer/core';
import { ReplayBackend } from './cassette.js';

/** Registers the `replay` backend; its cassette path comes from the backend's `options.cassette`. */
export default definePlugin({
  meta: pluginMetaFrom(import.meta.url),
  register(api) {
    api.registerBackend('replay', async (settings) => {
      const cassette = settings.options?.['cassette'];
      if (typeof cassette !== 'string' || cassette === '') throw new BackendError('replay', 'set the cassette file in the backend options, e.g. --set executor.options=\'{"cassette":"run.cassette.jsonl"}\'');
      return ReplayBackend.load(cassette);
    });
  },
});
