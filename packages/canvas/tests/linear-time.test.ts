/**
 * Every parser that reads LLM-written text runs in linear time: adversarial inputs of 100 KB and
 * 1 MB (whitespace runs, unclosed, nested and repeated partial tags) are parsed, and the 1 MB parse
 * may take at most LINEAR_FACTOR times the 100 KB one (a quadratic parser takes ~100x). Timings
 * are the minimum of three runs so a busy machine does not fail the test; the absolute bound is
 * only a backstop for catastrophic cases. Speeds are reported by tools/bench, not asserted here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adviseNext,
  applyPromptRules,
  detectVerification,
  extractPromptContent,
  extractTestError,
  formatPromptSetSuccess,
  isMultipleChoiceProblem,
  normalizeCompletion,
  parseAction,
  parseDslItems,
  sanitizeFeedback,
  suggestFix,
  truncateAfterFirstAction,
  REFERENCE_OPERATORS,
} from '../src/index.js';
import { parseDslExecutorReference, parseDslReference } from '../src/reference/index.js';

const ops = REFERENCE_OPERATORS.map((o) => o.name);
const view = { dsl: 'Custom', nodeList: [], totalOperators: 1, uniqueTypes: 1, structures: [], round: 1, maxRounds: 20 } as const;

const PARSERS: Readonly<Record<string, (text: string) => unknown>> = {
  parseAction: (t) => parseAction(t, ops),
  'parseAction(python)': (t) => parseAction(t, ops, { semantics: 'python' }),
  truncateAfterFirstAction,
  normalizeCompletion,
  extractPromptContent,
  sanitizeFeedback,
  detectVerification: (t) => detectVerification(t, t),
  suggestFix,
  extractTestError,
  isMultipleChoiceProblem: (t) => isMultipleChoiceProblem(t, 'math', false),
  'isMultipleChoiceProblem(reference)': (t) => isMultipleChoiceProblem(t, 'math', true),
  applyPromptRules: (t) => applyPromptRules(t, 'Programmer', 'code'),
  adviseNext: (t) => adviseNext({ operators: ['Decompose', 'Custom'], currentOperator: 'Decompose', problemType: 'math', text: t, isError: false, hasRequiredTests: false, hasParallel: false }),
  formatPromptSetSuccess: (t) => formatPromptSetSuccess({ operator: 'Plan', nodeId: 'node_1', view, problem: t, result: t, advisor: { operators: ['Plan'], problemType: 'math', hasRequiredTests: false, hasParallel: false } }),
  parseDslItems: (t) => {
    try {
      return parseDslItems(t);
    } catch {
      return undefined;
    }
  },
  parseDslReference: (t) => parseDslReference(t),
  parseDslExecutorReference: (t) => parseDslExecutorReference(t, 'math'),
};

/** Fragments that make backtracking regexes or naive scanners quadratic when repeated. */
const FRAGMENTS = [
  ' ', '\n', '\u3000', '<operator>', '<operator> ', '[action]', '<think>', '<prompt', '<answer>', '```', '<is_correct>', '[Step 4] Error Analysis', 'takes ',
  'choose', '1', 'Aa', "A'", '(', '[', '[Custom,', 'Custom -> ', 'Custom * ', '<position>1', 'Step 1 ', '<a_', '我们', '５', '\u017f',
];
const PREFIXES = ['<action>add</action><operator>', '<action>add</action><structure>parallel</structure><operators>', '<action>finish</action><answer>', '<think>', 'Custom -> '];
/** Behind a prefix only the fragments that can keep its construct open matter. */
const AFTER_PREFIX = [' ', '\n', '<', '[', '</', '1'];

function fill(fragment: string, prefix: string, size: number): string {
  return prefix + fragment.repeat(Math.ceil((size - prefix.length) / fragment.length)).slice(0, size - prefix.length);
}

/**
 * Best of `runs` parses, in CPU milliseconds of this test process: on a busy machine wall time
 * mostly measures the other processes, which made the linearity ratio flaky.
 */
function timeMs(parse: (text: string) => unknown, text: string, runs = 3): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage();
    parse(text);
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

const SMALL = 100 * 1024;
const LARGE = 1024 * 1024;
/** The bound for one 1 MB parse; over it (a busy machine), the parse must prove linear. */
const FAST_MS = 50;
/** Linear is ~10x for 10x the input, quadratic ~100x; 60 leaves room for GC and cache effects of 1 MB strings on a busy machine, and the floor keeps tiny timings from inflating the ratio. */
const LINEAR_FACTOR = 60;
const SMALL_FLOOR_MS = 5;
const ABSOLUTE_MS = 3_000;

const slowest = { ms: 0, what: '' };
let parses = 0;
let underBound = 0;

function expectLinear(name: string, parse: (text: string) => unknown, prefix: string, fragment: string, large: string): void {
  const once = timeMs(parse, large, 1);
  parses++;
  const context = `${name} on ${JSON.stringify(large.slice(0, 40))}…`;
  expect(once, context).toBeLessThan(ABSOLUTE_MS);
  const again = once < FAST_MS ? once : timeMs(parse, large);
  if (again > slowest.ms) Object.assign(slowest, { ms: again, what: context });
  if (again < FAST_MS) {
    underBound++;
    return;
  }
  const small = fill(fragment, prefix, SMALL);
  const smallMs = Math.max(timeMs(parse, small), SMALL_FLOOR_MS);
  expect(again / smallMs, `${context} (${smallMs.toFixed(2)} ms at 100 KB, ${again.toFixed(2)} ms at 1 MB)`).toBeLessThan(LINEAR_FACTOR);
}

describe('parsers are linear-time on adversarial 1 MB inputs', () => {
  const cases: [string, string][] = [...FRAGMENTS.map((f): [string, string] => ['', f]), ...PREFIXES.flatMap((p) => AFTER_PREFIX.map((f): [string, string] => [p, f]))];
  for (const [name, parse] of Object.entries(PARSERS)) {
    it(name, () => {
      for (const [prefix, fragment] of cases) expectLinear(name, parse, prefix, fragment, fill(fragment, prefix, LARGE));
    }, 300_000);
  }

  it('mixtures of fragments (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 2, maxLength: 5 }), fc.constantFrom('', ...PREFIXES), (pieces, prefix) => {
        const unit = pieces.join('');
        const large = fill(unit, prefix, LARGE);
        for (const [name, parse] of Object.entries(PARSERS)) expectLinear(name, parse, prefix, unit, large);
      }),
      { numRuns: 6, seed: 13 },
    );
    console.log(`${parses} parses of 1 MB, ${underBound} under ${FAST_MS} ms; slowest ${slowest.ms.toFixed(1)} ms (${slowest.what})`);
  }, 300_000);
});
