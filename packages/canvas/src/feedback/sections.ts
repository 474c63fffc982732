/**
 * The general-purpose feedback block (reference `_format_feedback`): status, message, workflow
 * state, memory, execution result, hint, verification and round. Built by concatenation; the
 * state lines are one string per graph version, rendered once by the caller.
 */
import { detectVerification, type VerificationSignal, type VerifyResult } from './verification.js';
import { executionText, looksLikeExecutionError, truncate, type ExecutionValue } from './values.js';

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

/** What `renderFeedback` needs: the view's per-graph parts come precomputed. */
export interface FeedbackParts {
  readonly success: boolean;
  readonly message: string;
  /** `stateBlock` of the current graph. */
  readonly state: string;
  readonly dsl: string;
  readonly round: number;
  readonly maxRounds: number;
  readonly memory?: string | undefined;
  readonly execution?: { readonly problem: string; readonly result: ExecutionValue } | undefined;
  readonly hint?: string | undefined;
  readonly final?: 'complete' | 'max_rounds' | undefined;
}

/** The `[Current DSL]`, `[Workflow Nodes]`, `[Statistics]` and `[Structures]` lines. */
export function stateBlock(view: Pick<CanvasView, 'dsl' | 'nodeList' | 'totalOperators' | 'uniqueTypes' | 'structures'>): string {
  let text = `[Current DSL]: ${view.dsl === '' ? '(empty)' : view.dsl}\n[Workflow Nodes]: ${view.nodeList.length === 0 ? '(none)' : view.nodeList.join('; ')}\n[Statistics]: ${view.totalOperators} operators, ${view.uniqueTypes} unique types`;
  if (view.structures.length > 0) text += `\n[Structures]: ${view.structures.join(', ')}`;
  return text;
}

const RULE = '-'.repeat(50);

function verifyBlock(verify: VerifyResult): string {
  let text = `${RULE}\n[Verify Result]: Verification Analysis\n  Correctness: ${verify.isCorrect}\n  Confidence: ${verify.confidence}`;
  if (verify.isCorrect) {
    text += '\n  Verification passed - answer appears correct';
    if (verify.answer !== '') text += `\n  Verified Answer: ${truncate(verify.answer, 100, '')}`;
  } else {
    text += '\n  WARNING: Verification failed - the current answer is likely wrong';
    if (verify.errorAnalysis !== undefined) text += `\n  [ERROR] ${truncate(verify.errorAnalysis, 150, '')}`;
    text += '\n  [FIX NOW] Add Revise to correct the answer: <action>add</action><operator>Revise</operator>';
    text += '\n  [LEARN] Recommended: Plan -> Programmer -> (Verify ? Revise : done) -> Format, e.g. <action>add</action><structure>conditional</structure><condition>Verify</condition><true>Revise</true><false>done</false>';
  }
  return `${text}\n${RULE}`;
}

function executionBlock(problem: string, text: string, signal: VerificationSignal, dsl: string): string {
  const head = `[Original Problem]: ${truncate(problem, 300)}\n[Execution Result]: ${truncate(text, 500)}`;
  if (looksLikeExecutionError(text)) return `${head}\n[Next Step]: Execution failed. Consider adding/modifying operators or prompts to fix the workflow.`;
  let hint: string | undefined;
  if (dsl.endsWith('Format')) hint = '[HINT]: Format extracted concise answer. Consider finishing if satisfied.';
  else hint = signal.hint;
  return `${head}${hint === undefined ? '' : `\n${hint}`}\n[Next Step]: Compare the problem and result above. If it answers the problem, you may finish; otherwise continue improving.`;
}

export function renderFeedback(parts: FeedbackParts): string {
  let text = `<feedback>\n[Status]: ${parts.success ? 'Success' : 'Failed'}\n[Message]: ${parts.message}\n${parts.state}`;
  if (parts.memory !== undefined && parts.memory !== '') text += `\n${parts.memory}`;
  const execution = parts.execution;
  // One verdict serves the execution block's hint and the verification block.
  const resultText = execution === undefined ? '' : executionText(execution.result);
  const signal = execution === undefined ? undefined : detectVerification(execution.result, resultText);
  if (execution !== undefined && signal !== undefined) text += `\n${executionBlock(execution.problem, resultText, signal, parts.dsl)}`;
  if (parts.hint !== undefined) text += `\n[Hint]: ${parts.hint}`;
  if (signal?.verify !== undefined) text += `\n${verifyBlock(signal.verify)}`;
  text += `\n[Round]: ${parts.round}/${parts.maxRounds}`;
  if (parts.final === 'complete') text += '\n[Final]: Workflow construction complete';
  if (parts.final === 'max_rounds') text += '\n[Final]: Auto-finished due to max rounds';
  return `${text}\n</feedback>`;
}

/** The general-purpose feedback block (reference `_format_feedback`). */
export function formatFeedback(feedback: GenericFeedback): string {
  const { view } = feedback;
  return renderFeedback({
    success: feedback.success,
    message: feedback.message,
    state: stateBlock(view),
    dsl: view.dsl,
    round: view.round,
    maxRounds: view.maxRounds,
    memory: feedback.memory,
    execution: feedback.execution,
    hint: feedback.hint,
    final: feedback.final,
  });
}
