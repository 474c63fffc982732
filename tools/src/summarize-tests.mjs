#!/usr/bin/env node
// @ts-check
// Sums the vitest JSON reports in a directory into one closing line: "N passed, N failed".
// A test file that failed to load (no assertions ran) counts as one failure so it is never hidden.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const dir = process.argv[2] ?? '.test-results';
let passed = 0;
let failed = 0;
/** @type {string[]} */
let files = [];
try {
  files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
} catch {
  // no reports at all: the counts stay 0
}
for (const file of files) {
  const report = JSON.parse(await readFile(join(dir, file), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1;
  }
  console.log(`${file.replace(/\.json$/, '')}: ${report.numPassedTests ?? 0} passed, ${report.numFailedTests ?? 0} failed`);
}
console.log(`${passed} passed, ${failed} failed`);
