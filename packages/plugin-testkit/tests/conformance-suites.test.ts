import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));

interface AssertionResult {
  readonly ancestorTitles: readonly string[];
  readonly title: string;
  readonly status: string;
  readonly failureMessages: readonly string[];
}

/** Runs the fixture suites in a child vitest and returns each test's outcome by suite and title. */
let results: AssertionResult[] = [];
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowsteer-testkit-'));
  const report = join(dir, 'report.json');
  const vitest = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url));
  await run(process.execPath, [vitest, 'run', '--config', join(fixtures, 'vitest.fixtures.config.ts'), '--reporter=json', `--outputFile=${report}`], { cwd: fixtures, env: { ...process.env, FORCE_COLOR: '0' } }).catch(() => undefined);
  const parsed = JSON.parse(await readFile(report, 'utf8')) as { testResults: Array<{ assertionResults: AssertionResult[] }> };
  results = parsed.testResults.flatMap((file) => file.assertionResults);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

function outcome(suite: string, titleStart: string): AssertionResult {
  const found = results.find((r) => r.ancestorTitles[0]?.startsWith(suite) === true && r.title.startsWith(titleStart));
  if (found === undefined) throw new Error(`no result for ${suite} › ${titleStart}: ${results.map((r) => `${r.ancestorTitles[0]} › ${r.title}`).join('\n')}`);
  return found;
}

describe('the operator conformance suite', () => {
  it('passes a sound operator plugin on every check', () => {
    const good = results.filter((r) => r.ancestorTitles[0]?.startsWith('good-operator') === true);
    expect(good.length).toBe(7);
    expect(good.filter((r) => r.status !== 'passed').map((r) => `${r.title}: ${r.failureMessages.join(' ')}`)).toEqual([]);
  });

  it('fails a broken one exactly where it breaks the contract, with the reason', () => {
    expect(outcome('bad-operator', 'loads through the host').status).toBe('passed');
    const naming = outcome('bad-operator', 'gives every operator a canvas-usable name');
    expect(naming.status).toBe('failed');
    expect(naming.failureMessages.join('')).toContain('PascalCase');
    expect(outcome('bad-operator', 'runs on the executor LLM').failureMessages.join('')).toContain('sloppy output {"answer":42}');
    expect(outcome('bad-operator', 'surfaces a failing backend').failureMessages.join('')).toContain('returned an answer although its LLM call failed');
    // It swallows the AbortError from the LLM call and answers anyway.
    expect(outcome('bad-operator', 'stops when its signal').failureMessages.join('')).toContain('finished although it was cancelled');
  });
});

describe('the backend conformance suite', () => {
  it('fails a broken backend on usage, streaming, cancellation and bare errors', () => {
    expect(outcome('bad-backend', 'loads through the host').status).toBe('passed');
    expect(outcome('bad-backend', 'answers chat').status).toBe('failed');
    expect(outcome('bad-backend', 'streams deltas').status).toBe('failed');
    expect(outcome('bad-backend', 'refuses a request whose signal').failureMessages.join('')).toContain('an aborted call must not answer');
    expect(outcome('bad-backend', 'fails with a BackendError').status).toBe('failed');
    expect(outcome('bad-backend', 'closes idempotently').status).toBe('passed');
  });
});

describe('the slot conformance suites (policy, executor, scorer, trainer, canvas, store)', () => {
  it('pass sound implementations of every slot on every check', () => {
    const good = results.filter((r) => r.ancestorTitles[0]?.startsWith('good-slots') === true);
    expect(new Set(good.map((r) => r.ancestorTitles[0]))).toEqual(new Set(['policy', 'executor', 'scorer', 'trainer', 'canvas', 'store'].map((kind) => `good-slots: ${kind} plugin conformance`)));
    expect(good.length).toBe(26);
    expect(good.filter((r) => r.status !== 'passed').map((r) => `${r.ancestorTitles[0]} › ${r.title}: ${r.failureMessages.join(' ')}`)).toEqual([]);
  });

  it('fail broken ones exactly where they break the contract', () => {
    const failed = (kind: string, title: string) => {
      const found = results.find((r) => r.ancestorTitles[0] === `bad-slots: ${kind} plugin conformance` && r.title.startsWith(title));
      if (found === undefined) throw new Error(`no result for bad-slots ${kind} › ${title}`);
      return found;
    };
    expect(failed('policy', 'answers an action turn').failureMessages.join('')).toContain('turn 1 text');
    expect(failed('policy', 'does not reach its LLM').failureMessages.join('')).toContain('LLM calls after cancellation');
    expect(failed('executor', 'executes a workflow').failureMessages.join('')).toContain('output ["not","a","record"]');
    expect(failed('executor', 'rejects with a typed error').failureMessages.join('')).toContain('finished although it was cancelled');
    expect(failed('scorer', 'gives the expected verdicts').status).toBe('failed');
    expect(failed('scorer', 'is not fooled').failureMessages.join('')).toContain('was scored correct');
    expect(failed('canvas', 'turns hostile policy text').failureMessages.join('')).toContain('cannot parse');
    expect(failed('canvas', 'ends an episode of nonsense').status).toBe('failed');
    expect(failed('canvas', 'resets to an observation').status).toBe('passed');
  });
});
