/** Error analysis for failed executions: one fixed piece of advice, and the key line of a test failure. */
import { truncate } from './values.js';

/** `takes .* positional arguments?` on lower-cased text, one check per line. */
function takesPositionalArguments(lower: string): boolean {
  for (let at = lower.indexOf('takes '); at >= 0; ) {
    const lineEnd = lower.indexOf('\n', at);
    const line = lower.slice(at + 6, lineEnd < 0 ? undefined : lineEnd);
    if (line.includes(' positional argument')) return true;
    if (lineEnd < 0) return false;
    at = lower.indexOf('takes ', lineEnd);
  }
  return false;
}

/** One fixed piece of advice for the first recognised error kind (reference `_analyze_error_and_suggest`). */
export function suggestFix(text: string): string | undefined {
  const lower = text.toLowerCase();
  if (lower.includes('test_failed')) {
    if (lower.includes('assertionerror')) return "Test assertion failed. The code output doesn't match expected result. Use Revise to fix the logic.";
    return 'Tests failed with an error. Check the traceback and fix the code with Programmer.';
  }
  if (lower.includes('solve() takes 0 positional arguments')) return 'solve() must take no arguments for math problems; define def solve(): and read values from the problem.';
  if (takesPositionalArguments(lower)) return 'Function signature mismatch. Match the exact signature required by the problem.';
  if (lower.includes('nameerror') || lower.includes('is not defined')) return 'Variable or function not defined. Define every name before use and include all imports.';
  if (lower.includes('syntaxerror')) return 'Syntax error in the generated code. Ask Programmer for plain Python without prose or markdown.';
  if (lower.includes('importerror') || lower.includes('modulenotfounderror')) return 'A module is not available. Use only the standard library.';
  if (lower.includes('timeout')) return 'Execution timed out. Use a more efficient algorithm and avoid infinite loops.';
  if (lower.includes('indexerror') || lower.includes('keyerror')) return 'Index or key out of range. Check boundaries and dictionary keys.';
  if (lower.includes('typeerror')) return 'Type error. Check argument and return types.';
  if (lower.includes('recursionerror') || lower.includes('maximum recursion')) return 'Recursion too deep. Use iteration or memoisation.';
  if (lower.includes('zerodivisionerror') || lower.includes('division by zero')) return 'Division by zero. Guard the denominator.';
  return undefined;
}

const ASSERTION_LINE = /AssertionError[:\s]*([^\n]*)/;
/** `Kind[^\n]*` for each error kind, in the reference's order. */
const ERROR_LINES: readonly RegExp[] = ['NameError', 'TypeError', 'IndexError', 'SyntaxError', 'ValueError', 'KeyError'].map((kind) => new RegExp(`${kind}[^\\n]*`));

/** The key line of a test failure (reference `_extract_test_error`). */
export function extractTestError(text: string): string {
  const assertion = ASSERTION_LINE.exec(text);
  if (assertion !== null) {
    const detail = (assertion[1] ?? '').trim();
    return detail === '' ? 'AssertionError: a test assertion failed' : truncate(`AssertionError: ${detail}`, 150, '');
  }
  for (const pattern of ERROR_LINES) {
    const match = pattern.exec(text);
    if (match !== null) return truncate(match[0], 150, '');
  }
  if (text.includes('TEST_FAILED')) return text.split('\n').find((line) => line.toLowerCase().includes('error'))?.trim() ?? '';
  return '';
}
