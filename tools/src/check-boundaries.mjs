#!/usr/bin/env node
// @ts-check
// Lint target: checks the module boundaries of the project in the current directory
// (or of every workspace package with --all). Exit 1 on any violation.
import { checkProject, findWorkspaceRoot, formatViolations, readWorkspace } from './boundaries.mjs';

const all = process.argv.includes('--all');
const root = await findWorkspaceRoot(process.cwd());
const workspace = await readWorkspace(root);
const projects = all ? [...workspace.values()].map((p) => p.dir) : [process.cwd()];
const violations = [];
for (const projectDir of projects) violations.push(...(await checkProject({ workspaceRoot: root, projectDir, workspace })));
if (violations.length > 0) {
  console.error(formatViolations(violations, root));
  console.error(`${violations.length} module-boundary violation(s)`);
  process.exit(1);
}
console.log(`module boundaries ok (${projects.length} project${projects.length === 1 ? '' : 's'})`);
