import { definePlugin, pluginMetaFrom } from '@flowsteer/core';

/**
 * Plugin entry (package.json "flowsteer.entry"). It contributes nothing yet: the package is
 * reserved so the name, manifest and discovery path are stable before its contents land.
 */
export default definePlugin({
  meta: pluginMetaFrom(import.meta.url),
  register() {},
});
