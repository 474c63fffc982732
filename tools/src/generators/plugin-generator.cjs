// @ts-check
/**
 * Nx generators `@flowsteer/tools:operator-plugin`, `:backend-plugin` and `:slot-plugin`. The
 * files come from `@flowsteer/plugin-testkit/scaffold`, the same scaffold `flowsteer plugins new`
 * writes, so both produce identical packages. CommonJS because Nx loads generators with require;
 * the scaffold is ESM and is imported dynamically.
 */
const { execFileSync } = require('node:child_process');
const { joinPathFragments } = require('@nx/devkit');

/**
 * @param {import('@nx/devkit').Tree} tree
 * @param {{ name: string; description?: string; skipInstall?: boolean }} options
 * @param {string} kind
 */
async function generate(tree, options, kind) {
  const { pluginScaffold } = await import('@flowsteer/plugin-testkit/scaffold');
  const scaffold = pluginScaffold({ name: options.name, kind, layout: 'workspace', ...(options.description === undefined ? {} : { description: options.description }) });
  if (tree.exists(scaffold.directory)) throw new Error(`${scaffold.directory} already exists; pick another name or remove it first`);
  for (const [path, content] of Object.entries(scaffold.files)) tree.write(joinPathFragments(scaffold.directory, path), content);
  if (scaffold.changeset !== undefined) tree.write(scaffold.changeset.path, scaffold.changeset.content);
  return () => {
    if (options.skipInstall === true) return;
    // Links the new package into node_modules so discovery and sibling packages find it.
    execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: tree.root, stdio: 'inherit' });
  };
}

/** @param {import('@nx/devkit').Tree} tree @param {{ name: string; description?: string; skipInstall?: boolean }} options */
exports.operatorPluginGenerator = (tree, options) => generate(tree, options, 'operator');
/** @param {import('@nx/devkit').Tree} tree @param {{ name: string; description?: string; skipInstall?: boolean }} options */
exports.backendPluginGenerator = (tree, options) => generate(tree, options, 'backend');
/** @param {import('@nx/devkit').Tree} tree @param {{ name: string; kind: string; description?: string; skipInstall?: boolean }} options */
exports.slotPluginGenerator = (tree, options) => generate(tree, options, options.kind);
