/**
 * The feedback text the canvas returns each turn, as pure functions. Line prefixes, order and
 * messages follow the reference so trained policies and conformance vectors carry over.
 */
import { firstBlock } from './parsing/tag-scanner.js';
import { ECMASCRIPT_SEMANTICS } from './parsing/text-semantics.js';
import { rolesFor, type OperatorRoles } from './roles.js';
import { REFERENCE_OPERATORS } from './vocabulary.js';

const REFERENCE_ROLES = rolesFor(REFERENCE_OPERATORS);

/** What an execution produced: text, or a structured operator output. */
export type ExecutionValue = string | Readonly<Record<string, unknown>>;

export type ProblemType = 'math' | 'code' | 'qa' | 'reasoning' | 'mc' | 'mathqa_mc' | 'multiple_choice' | (string & {});

export const MC_TYPES: readonly string[] = ['mathqa_mc', 'mc', 'multiple_choice'];

export function isMultipleChoiceType(type: ProblemType): boolean {
  return MC_TYPES.includes(type);
}

/** The text of an execution value: a dict's `output` when present, else its JSON. */
export function executionText(value: ExecutionValue | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  const output = value['output'];
  if (output !== undefined && output !== null) return typeof output === 'string' ? output : JSON.stringify(output);
  return JSON.stringify(value);
}

/** Python truthiness of an execution value: null, "" and {} are "no result". */
export function hasExecutionResult(value: ExecutionValue | null | undefined): value is ExecutionValue {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return value !== '';
  return Object.keys(value).length > 0;
}

export function truncate(text: string, max: number, suffix = '...'): string {
  return text.length > max ? `${text.slice(0, max)}${suffix}` : text;
}

const STEP_PHRASES = ['Step ', 'To solve', 'Because', 'First,', 'The solution'];

/** Finish rule 8: an answer that still looks like reasoning. */
export function looksLong(text: string): boolean {
  return text.length > 60 || text.includes('\n') || [...STEP_PHRASES, '1. ', '2. '].some((p) => text.includes(p));
}

/** The advisor's notion of a final-looking answer. */
export function isConcise(text: string): boolean {
  return text.length <= 50 && !text.includes('\n') && !STEP_PHRASES.some((p) => text.includes(p));
}

const EXECUTION_ERROR_MARKERS = ['ERROR', 'EXCEPTION', 'FAILED', 'TIMEOUT', 'WORKFLOW_ERROR'];
const PROMPT_SET_ERROR_MARKERS = [...EXECUTION_ERROR_MARKERS, 'NO CODE GENERATED', "FUNCTION 'SOLVE' NOT FOUND", 'PROHIBITED IMPORT', 'FORMAT ERROR'];

export function looksLikeExecutionError(text: string, markers: readonly string[] = EXECUTION_ERROR_MARKERS): boolean {
  const upper = text.toUpperCase();
  return markers.some((marker) => upper.includes(marker));
}

// ---------------------------------------------------------------------------------------------
// Verification and error analysis

export interface VerifyResult {
  readonly isCorrect: boolean;
  readonly confidence: string;
  readonly answer: string;
  readonly errorAnalysis?: string;
}

export interface VerificationSignal {
  readonly hint?: string;
  readonly verify?: VerifyResult;
}

const POSITIVE_PHRASES = ['is_correct>true', 'is_correct: true', 'verification: pass', 'verified: true', 'correct answer', 'answer is correct'];

function truthy(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (value.trim().toLowerCase() === 'true') return true;
    if (value.trim().toLowerCase() === 'false') return false;
  }
  return undefined;
}

/** Reads a checker verdict out of an execution result (reference `_detect_verification_success`). */
export function detectVerification(result: ExecutionValue | null | undefined, text: string): VerificationSignal {
  const lower = text.toLowerCase();
  if (lower.includes('test_passed')) return { hint: '[HINT]: Tests appear to pass. Consider adding Format and finishing.' };
  if (result !== null && result !== undefined && typeof result === 'object' && result['is_correct'] !== undefined && result['is_correct'] !== null) {
    const isCorrect = truthy(result['is_correct']) ?? Boolean(result['is_correct']);
    const verify: VerifyResult = {
      isCorrect,
      confidence: typeof result['confidence'] === 'string' ? result['confidence'] : 'unknown',
      answer: typeof result['answer'] === 'string' ? result['answer'] : '',
      ...(isCorrect ? {} : { errorAnalysis: typeof result['error_analysis'] === 'string' ? result['error_analysis'] : 'No error details provided' }),
    };
    return isCorrect ? { verify, hint: '[HINT]: Verify suggests the answer may be correct. Consider adding Format to extract concise answer.' } : { verify };
  }
  if (lower.includes('is_correct') && lower.includes('true') && typeof result === 'object' && result !== null) {
    return { hint: '[HINT]: Verify suggests the answer may be correct. Consider adding Format to extract concise answer.' };
  }
  const xml = /<is_correct>\s*(true|false)\s*<\/is_correct>/i.exec(text);
  if (xml !== null) {
    const isCorrect = (xml[1] as string).toLowerCase() === 'true';
    const confidence = /<confidence>\s*(high|medium|low)\s*<\/confidence>/i.exec(text)?.[1]?.toLowerCase() ?? 'unknown';
    const answer = firstBlock(text, '<answer>', '</answer>', true)?.inner.trim() ?? '';
    const analysis = errorAnalysis(text)?.trim();
    const verify: VerifyResult = { isCorrect, confidence, answer, ...(isCorrect ? {} : { errorAnalysis: truncate(analysis ?? 'No error details provided', 200, '') }) };
    return isCorrect ? { verify, hint: '[HINT]: Verify suggests the answer may be correct. Consider adding Format to extract concise answer.' } : { verify };
  }
  if (POSITIVE_PHRASES.some((p) => lower.includes(p))) return { hint: '[HINT]: Verification indicates the answer is correct. Consider adding Format and finishing.' };
  const confidence = /confidence[:\s]*([0-9.]+)/i.exec(text);
  if (confidence !== null) {
    const value = Number.parseFloat(confidence[1] as string);
    if (Number.isFinite(value) && value >= 0.9) return { hint: `[HINT]: High confidence (${Math.round(value * 100)}%). Consider adding Format and finishing.` };
  }
  return {};
}

/**
 * The reference's `\[Step 4\][^\n]*Error Analysis[^:]*:([\s\S]*)` (case-insensitive) without
 * backtracking: after the first "[Step 4]" of a line, the last "Error Analysis" on that line that
 * a ":" follows somewhere later; the capture is everything after that ":".
 */
function errorAnalysis(text: string): string | undefined {
  const folded = ECMASCRIPT_SEMANTICS.fold(text);
  const lastColon = folded.lastIndexOf(':');
  for (let at = folded.indexOf('[step 4]'); at >= 0 && lastColon >= 0; ) {
    const lineEnd = folded.indexOf('\n', at);
    const end = lineEnd < 0 ? folded.length : lineEnd;
    // A later "[Step 4]" on the same line sees a subset of the same candidates: one try per line.
    const limit = Math.min(end - 14, lastColon - 14);
    const found = limit >= at + 8 ? folded.lastIndexOf('error analysis', limit) : -1;
    if (found >= at + 8) return text.slice(folded.indexOf(':', found + 14) + 1);
    if (lineEnd < 0) return undefined;
    at = folded.indexOf('[step 4]', lineEnd);
  }
  return undefined;
}

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

/** The key line of a test failure (reference `_extract_test_error`). */
export function extractTestError(text: string): string {
  const assertion = /AssertionError[:\s]*([^\n]*)/.exec(text);
  if (assertion !== null) {
    const detail = (assertion[1] ?? '').trim();
    return detail === '' ? 'AssertionError: a test assertion failed' : truncate(`AssertionError: ${detail}`, 150, '');
  }
  for (const kind of ['NameError', 'TypeError', 'IndexError', 'SyntaxError', 'ValueError', 'KeyError']) {
    const match = new RegExp(`${kind}[^\\n]*`).exec(text);
    if (match !== null) return truncate(match[0], 150, '');
  }
  if (text.includes('TEST_FAILED')) return text.split('\n').find((line) => line.toLowerCase().includes('error'))?.trim() ?? '';
  return '';
}

// ---------------------------------------------------------------------------------------------
// Memory

export interface MemoryAction {
  readonly round: number;
  readonly text: string;
  readonly failure?: string;
}

export interface MemoryError {
  readonly type: string;
  readonly message: string;
  readonly revisions: number;
}

export interface MemoryState {
  readonly actions: readonly MemoryAction[];
  readonly errors: readonly MemoryError[];
}

const SIMILAR_ERROR_KEYS = ['assertionerror', 'nameerror', 'typeerror', 'syntaxerror', 'indexerror', 'keyerror', 'valueerror', 'test_failed'];

/** Records an execution error; a repeat of the same kind counts as one more revision attempt. */
export function recordError(memory: MemoryState, message: string): MemoryState {
  const lower = message.toLowerCase();
  const key = SIMILAR_ERROR_KEYS.find((k) => lower.includes(k));
  const last = memory.errors[memory.errors.length - 1];
  if (last !== undefined && key !== undefined && last.message.toLowerCase().includes(key)) {
    return { ...memory, errors: [...memory.errors.slice(0, -1), { ...last, message, revisions: last.revisions + 1 }] };
  }
  const type = key === undefined ? 'ExecutionError' : (SIMILAR_ERROR_TYPES[key] ?? 'ExecutionError');
  return { ...memory, errors: [...memory.errors, { type, message, revisions: 0 }] };
}

const SIMILAR_ERROR_TYPES: Readonly<Record<string, string>> = {
  assertionerror: 'AssertionError', nameerror: 'NameError', typeerror: 'TypeError', syntaxerror: 'SyntaxError',
  indexerror: 'IndexError', keyerror: 'KeyError', valueerror: 'ValueError', test_failed: 'TestFailed',
};

export function memorySummary(memory: MemoryState): string {
  const lines: string[] = [];
  if (memory.actions.length > 0) {
    lines.push('[Previous Actions]:');
    for (const action of memory.actions.slice(-10)) {
      lines.push(`Step ${action.round}: ${action.text}${action.failure === undefined ? '' : ` [FAILED: ${action.failure}]`}`);
    }
  }
  const current = memory.errors[memory.errors.length - 1];
  if (current !== undefined) {
    lines.push(`[Current Error]: ${current.type}`, `[Error Message]: ${truncate(current.message, 200, '')}`);
    if (current.revisions > 0) lines.push(`[Revision Attempts]: ${current.revisions} (previous fixes didn't work)`);
    if (current.revisions >= 2) lines.push('[Suggestion]: Repeated fixes failed; try a different operator or restructure the workflow.');
  }
  if (memory.errors.length > 1) lines.push(`[Total Errors]: ${memory.errors.length} errors encountered`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Feedback blocks

export interface CanvasView {
  readonly dsl: string;
  readonly nodeList: readonly string[];
  readonly totalOperators: number;
  readonly uniqueTypes: number;
  readonly structures: readonly ('parallel' | 'conditional' | 'loop')[];
  readonly round: number;
  readonly maxRounds: number;
}

export interface GenericFeedback {
  readonly success: boolean;
  readonly message: string;
  readonly view: CanvasView;
  readonly memory?: string;
  readonly execution?: { readonly problem: string; readonly result: ExecutionValue };
  readonly hint?: string;
  readonly final?: 'complete' | 'max_rounds';
}

function verifyBlock(verify: VerifyResult): string[] {
  const lines = ['-'.repeat(50), '[Verify Result]: Verification Analysis', `  Correctness: ${verify.isCorrect}`, `  Confidence: ${verify.confidence}`];
  if (verify.isCorrect) {
    lines.push('  Verification passed - answer appears correct');
    if (verify.answer !== '') lines.push(`  Verified Answer: ${truncate(verify.answer, 100, '')}`);
  } else {
    lines.push('  WARNING: Verification failed - the current answer is likely wrong');
    if (verify.errorAnalysis !== undefined) lines.push(`  [ERROR] ${truncate(verify.errorAnalysis, 150, '')}`);
    lines.push('  [FIX NOW] Add Revise to correct the answer: <action>add</action><operator>Revise</operator>');
    lines.push('  [LEARN] Recommended: Plan -> Programmer -> (Verify ? Revise : done) -> Format, e.g. <action>add</action><structure>conditional</structure><condition>Verify</condition><true>Revise</true><false>done</false>');
  }
  lines.push('-'.repeat(50));
  return lines;
}

function executionBlock(problem: string, result: ExecutionValue, dsl: string): string[] {
  const text = executionText(result);
  const lines = [`[Original Problem]: ${truncate(problem, 300)}`, `[Execution Result]: ${truncate(text, 500)}`];
  if (looksLikeExecutionError(text)) {
    lines.push('[Next Step]: Execution failed. Consider adding/modifying operators or prompts to fix the workflow.');
    return lines;
  }
  if (dsl.endsWith('Format')) lines.push('[HINT]: Format extracted concise answer. Consider finishing if satisfied.');
  else {
    const { hint } = detectVerification(result, text);
    if (hint !== undefined) lines.push(hint);
  }
  lines.push('[Next Step]: Compare the problem and result above. If it answers the problem, you may finish; otherwise continue improving.');
  return lines;
}

function stateLines(view: CanvasView): string[] {
  const lines = [
    `[Current DSL]: ${view.dsl === '' ? '(empty)' : view.dsl}`,
    `[Workflow Nodes]: ${view.nodeList.length === 0 ? '(none)' : view.nodeList.join('; ')}`,
    `[Statistics]: ${view.totalOperators} operators, ${view.uniqueTypes} unique types`,
  ];
  if (view.structures.length > 0) lines.push(`[Structures]: ${view.structures.join(', ')}`);
  return lines;
}

/** The general-purpose feedback block (reference `_format_feedback`). */
export function formatFeedback(feedback: GenericFeedback): string {
  const lines = ['<feedback>', `[Status]: ${feedback.success ? 'Success' : 'Failed'}`, `[Message]: ${feedback.message}`, ...stateLines(feedback.view)];
  if (feedback.memory !== undefined && feedback.memory !== '') lines.push(feedback.memory);
  if (feedback.execution !== undefined) lines.push(...executionBlock(feedback.execution.problem, feedback.execution.result, feedback.view.dsl));
  if (feedback.hint !== undefined) lines.push(`[Hint]: ${feedback.hint}`);
  if (feedback.execution !== undefined) {
    const { verify } = detectVerification(feedback.execution.result, executionText(feedback.execution.result));
    if (verify !== undefined) lines.push(...verifyBlock(verify));
  }
  lines.push(`[Round]: ${feedback.view.round}/${feedback.view.maxRounds}`);
  if (feedback.final === 'complete') lines.push('[Final]: Workflow construction complete');
  if (feedback.final === 'max_rounds') lines.push('[Final]: Auto-finished due to max rounds');
  lines.push('</feedback>');
  return lines.join('\n');
}

const BANNER = '='.repeat(50);

function promptRequestTail(operator: string, guidance: string, view: CanvasView, closing: readonly string[]): string[] {
  const lines = ['', BANNER, `WRITE YOUR PROMPT FOR ${operator}`, BANNER, ''];
  if (operator === 'Programmer') {
    lines.push(
      'NOTE: this prompt goes to a code-writing model that must return runnable Python.',
      'Do not write "Step 1:"-style plans; state what the code must compute and return.',
      'Keep it short and specific to this problem.',
      '',
    );
  }
  lines.push(guidance, '', ...closing, '', `[Round]: ${view.round}/${view.maxRounds}`, '</feedback>');
  return lines;
}

const DIRECT_PROMPT_LINES = ['IMPORTANT: Just write your prompt directly. No action tags needed.', "Example: 'Solve this math problem step by step. Show all calculations.'"];

/** Asks for the prompt of a single operator being added (or a node being modified). */
export function formatPendingPromptRequest(args: { operator: string; view: CanvasView; guidance: string; modifyTarget?: string }): string {
  const { operator, view, guidance, modifyTarget } = args;
  const dsl = `[Current DSL]: ${view.dsl === '' ? '(empty)' : view.dsl}`;
  if (modifyTarget !== undefined) {
    return [
      '<feedback>',
      '[Status]: Pending - Awaiting New Prompt for Modify',
      `[Message]: You want to modify ${modifyTarget} to ${operator}. Now write a NEW custom prompt.`,
      dsl,
      ...promptRequestTail(operator, guidance, view, [...DIRECT_PROMPT_LINES, 'Write a prompt that differs from the previous one for this node.', 'Focus on what should change in the result.']).map((line) => line.replace(`WRITE YOUR PROMPT FOR ${operator}`, `WRITE A NEW PROMPT FOR ${operator}`)),
    ].join('\n');
  }
  return [
    '<feedback>',
    '[Status]: Pending - Awaiting Prompt',
    `[Message]: You want to add ${operator}. Now write a custom prompt for it.`,
    dsl,
    ...promptRequestTail(operator, guidance, view, DIRECT_PROMPT_LINES),
  ].join('\n');
}

/** Asks for the prompt of one child of a structure just added. */
export function formatChildPromptRequest(args: { operator: string; context: string; view: CanvasView; guidance: string; parallel: boolean }): string {
  const lines = ['<feedback>', '[Status]: Pending - Awaiting Prompt', `[Message]: Write a custom prompt for ${args.operator}. (${args.context})`];
  if (args.parallel) lines.push('[Hint]: Make this branch DIFFERENT from other parallel branches (different method, checks, or perspective).');
  lines.push(`[Current DSL]: ${args.view.dsl === '' ? '(empty)' : args.view.dsl}`);
  lines.push(...promptRequestTail(args.operator, args.guidance, args.view, DIRECT_PROMPT_LINES));
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Prompt-set success and the next-step advisor

export interface AdvisorInput {
  readonly operators: readonly string[];
  readonly currentOperator: string;
  readonly problemType: ProblemType;
  readonly text: string;
  readonly isError: boolean;
  readonly hasRequiredTests: boolean;
  readonly verify?: VerifyResult;
  readonly hasParallel: boolean;
  /** Operator roles (default: the reference vocabulary's). */
  readonly roles?: OperatorRoles;
}

export interface Advice {
  readonly blockFinish: boolean;
  /** An operator name, a structure hint like `conditional(Test,Programmer,done)`, or FINISH. */
  readonly next: string;
  readonly reason: string;
  readonly extraHint?: string;
}

const checkerFor = (type: ProblemType): string => (type === 'math' ? 'Verify' : type === 'code' ? 'Test' : 'Review');

function checkerReason(type: ProblemType, concise: boolean): string {
  if (type === 'math') return concise ? 'Verify the answer before finishing' : 'Verify the answer first, then Format';
  if (type === 'code') return concise ? 'Run Test on the code before finishing' : 'Run Test first, then Format';
  return concise ? 'Add Review to check answer quality' : 'Review answer quality first, then Format';
}

/** The `[BLOCK_FINISH]` / `[NEXT]` / `[REASON]` decision (reference decision table, first matching row). */
export function adviseNext(input: AdvisorInput): Advice {
  const { operators, currentOperator: op, problemType: type, text } = input;
  const has = (name: string): boolean => operators.includes(name);
  const mc = isMultipleChoiceType(type);
  const validMc = ['a', 'b', 'c', 'd', 'e'].includes(text.trim().toLowerCase());
  const concise = isConcise(text);
  const roles = input.roles ?? REFERENCE_ROLES;
  const solverPresent = operators.some((o) => roles.advisorSolvers.has(o));
  const advice = (next: string, reason: string, blockFinish = true): Advice => ({ blockFinish, next, reason });

  const decided = ((): Advice | undefined => {
    if (mc && operators.filter((o) => o === 'Revise').length >= 3 && !validMc) return advice('Format', 'Multiple choice: force Format to extract the option letter');
    if (input.isError) {
      const testError = extractTestError(text);
      if (has('Programmer') || type === 'math' || type === 'code') {
        if ((op === 'Test' || op === 'Programmer') && has('Test') && has('Programmer')) {
          return advice(
            'conditional(Test,Programmer,done)',
            testError !== '' ? `Test failed: ${truncate(testError, 150, '')}. IMPORTANT: Write this error in Programmer's prompt so it knows what to fix.` : 'Code failed; add conditional Test ? Programmer : done so failing code is repaired',
          );
        }
        return advice('Programmer', testError !== '' ? `Test failed: ${truncate(testError, 150, '')}; rerun Programmer with the error` : 'Execution failed; rerun Programmer to fix runtime/error before verification');
      }
      if (solverPresent) return advice('Revise', 'Execution failed; add Revise to fix the answer');
      return advice('Custom', 'Execution failed; add a solver');
    }
    const solverFor = type === 'math' || type === 'code' ? 'Programmer' : 'Custom';
    if (op === 'Plan') return advice(solverFor, solverFor === 'Programmer' ? 'Plan is not answer; add Programmer to write executable code' : 'Plan is not answer; add Custom to solve the problem');
    if (op === 'Decompose') {
      // Horizontal space only before the marker: `^\s*` across blank lines counts the same lines, quadratically.
      const count = (text.match(/^[^\S\n]*(?:\d+[.)]|Step\s+\d+)/gim) ?? []).length;
      return advice(solverFor, `Decompose is not answer; add ${solverFor} to solve ${count > 1 ? `the ${count} sub-problems` : 'the sub-problems'}`);
    }
    if (!solverPresent) return undefined;
    if (op === 'Format') {
      if (mc && !validMc) return advice('Format', 'Multiple choice: Format must output a single option letter');
      if (concise) return advice('FINISH', 'Answer formatted and concise', false);
      return advice('Revise', 'Format output is still not concise; revise it');
    }
    if (op === 'Verify') {
      const verify = input.verify;
      if (verify === undefined) return advice('Revise', 'Verify gave no clear verdict; add Revise to improve the answer');
      if (verify.isCorrect) return has('Format') ? advice('FINISH', 'Verify passed and Format exists', false) : advice('Format', 'Verify passed; add Format for concise answer');
      if (verify.answer.trim() !== '' && verify.confidence.toLowerCase() === 'high') {
        return has('Format') ? advice('FINISH', 'High-confidence corrected answer available and Format exists', false) : advice('Format', 'High-confidence corrected answer available; add Format');
      }
      return advice('Revise', 'Verify failed; add Revise to fix the answer');
    }
    if (roles.checkers.has(op)) return has('Format') ? advice('FINISH', `${op} done and Format exists`, false) : advice('Format', `${op} done; add Format for a concise answer`);
    if (roles.advisorSolvers.has(op)) {
      if (mc && !validMc) return advice('Format', 'Multiple choice: Format must output a single option letter');
      if (type === 'math' && !has('Verify')) return advice('Verify', 'MATH: Must verify answer before finishing');
      if (type === 'code' && input.hasRequiredTests && !has('Test')) return advice('Test', 'CODE: run the provided tests before finishing');
      if (concise && (has('Verify') || has('Test'))) return advice('FINISH', 'Answer is concise and checked', false);
      if (concise) return advice(checkerFor(type), checkerReason(type, true));
      if (has('Verify') || has('Test')) return advice('Format', 'Answer is checked but verbose; add Format');
      return advice(checkerFor(type), checkerReason(type, false));
    }
    if (mc && !validMc) return advice('Format', 'Multiple choice: Format must output a single option letter');
    if (concise) return advice('FINISH', 'Answer ready', false);
    return advice('Format', 'Answer is verbose; add Format');
  })();

  let result = decided ?? (operators.length > 0 ? advice(type === 'math' ? 'Programmer' : 'Custom', 'Workflow has no solver operator') : advice('Custom', 'Workflow is empty; add a solver'));
  if (input.hasParallel && !operators.some((o) => roles.aggregators.has(o)) && !input.isError && result.next !== 'FINISH') {
    const aggregator = type === 'math' ? 'ScEnsemble' : 'Aggregate';
    if (!roles.aggregators.has(result.next)) result = advice(aggregator, 'Parallel structure needs aggregation before verification/formatting');
    result = { ...result, extraHint: '[HINT]: Parallel structure detected without aggregation. Add ScEnsemble/Aggregate to merge parallel results into a single answer.' };
  }
  return result;
}

export interface PromptSetFeedback {
  readonly operator: string;
  readonly nodeId: string;
  readonly view: CanvasView;
  readonly problem: string;
  readonly result: ExecutionValue | null;
  readonly advisor: Omit<AdvisorInput, 'text' | 'isError' | 'verify' | 'currentOperator'>;
}

function compactDsl(dsl: string): string {
  const parts = dsl.split(' -> ');
  if (dsl.length > 150 && parts.length > 6) return `${parts.slice(0, 3).join(' -> ')} -> ... -> ${parts.slice(-2).join(' -> ')}`;
  return dsl;
}

/** Feedback after a prompt was set and the workflow ran (reference `_format_prompt_set_success`). */
export function formatPromptSetSuccess(args: PromptSetFeedback): string {
  const { operator, result } = args;
  const roles = args.advisor.roles ?? REFERENCE_ROLES;
  const execution: string[] = [];
  let advice: Advice | undefined;
  // An empty result (what an executor returns on a timeout) is "no result", with no advice.
  if (!hasExecutionResult(result)) {
    execution.push('[EXECUTION]: No result returned.');
  } else {
    const text = executionText(result);
    const isError = looksLikeExecutionError(text, PROMPT_SET_ERROR_MARKERS);
    const { hint, verify } = detectVerification(result, text);
    advice = adviseNext({ ...args.advisor, currentOperator: operator, text, isError, ...(verify === undefined ? {} : { verify }) });
    if (isError) {
      execution.push(`[EXECUTION ERROR]: ${truncate(text, 300)}`);
      const fix = suggestFix(text);
      if (fix !== undefined) execution.push(`[FIX SUGGESTION]: ${fix}`);
      execution.push('[DECISION]: The execution failed. Consider fixing the workflow.');
    } else {
      execution.push(`[PROBLEM]: ${truncate(args.problem, 200)}`, `[EXECUTION RESULT]: ${truncate(text, 300)}`);
      if (roles.advisorSolvers.has(operator)) {
        execution.push(`[PREVIOUS STEP OUTPUT]: ${truncate(text, 500)}`, 'Use this result as context for the current step.');
      }
      if (operator === 'Plan' || operator === 'Decompose') {
        const steps = text.split('\n').map((l) => l.trim()).filter((l) => /^(step\s*\d+|\d+[.)])/i.test(l));
        if (steps.length > 0) {
          execution.push(operator === 'Plan' ? `[PLAN STEPS]: ${steps.length} steps identified` : `[SUB-PROBLEMS]: ${steps.length} sub-problems identified`);
          steps.slice(0, 5).forEach((step, i) => execution.push(`  Step ${i + 1}: ${truncate(step, 100)}`));
          execution.push('[HINT]: Add a solver that works through these steps.');
        }
      }
      if (operator === 'Format') {
        execution.push('[HINT]: Format extracted concise answer. Consider finishing if satisfied.');
      } else {
        // The verification hint applies after any operator (planners and solvers included).
        if (hint !== undefined) execution.push(hint);
        const longAnswer = text.length > 40 || text.includes('\n') || STEP_PHRASES.some((p) => text.includes(p));
        if (roles.checkers.has(operator) && longAnswer) {
          execution.push('[HINT]: Add Format next to extract a concise final answer before finishing.');
        }
      }
      execution.push('[DECISION]: Decide whether to continue improving the workflow or finish if the result answers the problem.');
    }
  }
  const signals: string[] = [];
  let body = execution;
  if (advice !== undefined) {
    signals.push(`[BLOCK_FINISH]=${advice.blockFinish ? 1 : 0}`);
    signals.push(advice.next === 'FINISH' ? '[NEXT]=FINISH (Answer looks correct and concise. Consider finishing to avoid drift.)' : `[NEXT]=ADD:${advice.next}`);
    signals.push(`[REASON]=${advice.reason}`);
    body = body.filter((line) => !line.startsWith('[DECISION]'));
    // Only "add … next" hints contradict FINISH; other hints stay.
    if (advice.next === 'FINISH') body = body.filter((line) => !(line.includes('[HINT]') && line.includes('Add') && line.includes('next')));
    if (advice.extraHint !== undefined) body.push(advice.extraHint);
  }
  return [
    '<feedback>',
    ...signals,
    ...body,
    '[Status]: Success - Prompt Set',
    `[Message]: Custom prompt set for ${operator} (${args.nodeId})`,
    `[Current DSL]: ${compactDsl(args.view.dsl)}`,
    `[Statistics]: ${args.view.totalOperators} operators, ${args.view.uniqueTypes} unique types`,
    `[Round]: ${args.view.round}/${args.view.maxRounds}`,
    '</feedback>',
  ].join('\n');
}
