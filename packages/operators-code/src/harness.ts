/**
 * The signed-verdict test harness lives in `@flowsteer/code-harness`, which scorers use without
 * the code operators; it is re-exported here so this package's API stays as it was.
 */
export { buildTestProgram, extractCode, inferEntryPoint, readTestOutcome, runTestSuite, splitTopLevel, type TestOutcome, type TestSuiteRequest } from '@flowsteer/code-harness';
