import { definePlugin, pluginMetaFrom } from '@flowsteer/core';
import { createRetrieve } from './operator.js';

/** Registers Retrieve; settings come from `plugins.options["flowsteer-operator-bm25"]`. */
export default definePlugin({
  meta: pluginMetaFrom(import.meta.url),
  register(api) {
    api.registerOperator(createRetrieve(api.options, api.cwd));
  },
});
