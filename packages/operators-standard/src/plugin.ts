import { definePlugin, pluginMetaFrom } from '@flowsteer/core';
import { STANDARD_OPERATORS } from './operators.js';

/** Registers the eleven standard prompted operators. */
export default definePlugin({
  meta: pluginMetaFrom(import.meta.url),
  register(api) {
    for (const operator of STANDARD_OPERATORS) api.registerOperator(operator);
  },
});
