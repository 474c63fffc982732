/** Feedback after a prompt was set and the workflow ran: the execution summary, advice and state. */
import { adviseNext, REFERENCE_ROLES, type AdvisorInput } from './advice.js';
import { suggestFix } from './errors.js';
import type { CanvasView } from './sections.js';
import { detectVerification } from './verification.js';
import { executionText, hasExecutionResult, looksLikeExecutionError, PROMPT_SET_ERROR_MARKERS, STEP_PHRASES, truncate, type ExecutionValue } from './values.js';

const PLAN_STEP = /^(step\s*\d+|\d+[.)])/i;

export interface PromptSetFeedback {
  readonly operator: string;
  readonly nodeId: string;
  readonly view: CanvasView;
  readonly problem: string;
  readonly result: ExecutionValue | null;
  readonly advisor: Omit<AdvisorInput, 'text' | 'isError' | 'verify' | 'currentOperator'>;
}

function compactDsl(dsl: string): string {
  if (dsl.length <= 150) return dsl;
  const parts = dsl.split(' -> ');
  if (parts.length > 6) return `${parts.slice(0, 3).join(' -> ')} -> ... -> ${parts.slice(-2).join(' -> ')}`;
  return dsl;
}

/** Feedback after a prompt was set and the workflow ran (reference `_format_prompt_set_success`). */
export function formatPromptSetSuccess(args: PromptSetFeedback): string {
  const { operator, result } = args;
  const tail = `[Status]: Success - Prompt Set\n[Message]: Custom prompt set for ${operator} (${args.nodeId})\n[Current DSL]: ${compactDsl(args.view.dsl)}\n[Statistics]: ${args.view.totalOperators} operators, ${args.view.uniqueTypes} unique types\n[Round]: ${args.view.round}/${args.view.maxRounds}\n</feedback>`;
  // An empty result (what an executor returns on a timeout) is "no result", with no advice.
  if (!hasExecutionResult(result)) return `<feedback>\n[EXECUTION]: No result returned.\n${tail}`;
  const roles = args.advisor.roles ?? REFERENCE_ROLES;
  const execution: string[] = [];
  const text = executionText(result);
  const isError = looksLikeExecutionError(text, PROMPT_SET_ERROR_MARKERS);
  const { hint, verify } = detectVerification(result, text);
  const advice = adviseNext({ ...args.advisor, currentOperator: operator, text, isError, ...(verify === undefined ? {} : { verify }) });
  if (isError) {
    execution.push(`[EXECUTION ERROR]: ${truncate(text, 300)}`);
    const fix = suggestFix(text);
    if (fix !== undefined) execution.push(`[FIX SUGGESTION]: ${fix}`);
  } else {
    execution.push(`[PROBLEM]: ${truncate(args.problem, 200)}`, `[EXECUTION RESULT]: ${truncate(text, 300)}`);
    if (roles.advisorSolvers.has(operator)) {
      execution.push(`[PREVIOUS STEP OUTPUT]: ${truncate(text, 500)}`, 'Use this result as context for the current step.');
    }
    if (operator === 'Plan' || operator === 'Decompose') {
      const steps = text.split('\n').map((l) => l.trim()).filter((l) => PLAN_STEP.test(l));
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
  }
  // The advice signals stand in for the reference's generic `[DECISION]` line, which is never shown.
  let body = execution;
  // Only "add … next" hints contradict FINISH; other hints stay.
  if (advice.next === 'FINISH') body = body.filter((line) => !(line.includes('[HINT]') && line.includes('Add') && line.includes('next')));
  if (advice.extraHint !== undefined) body.push(advice.extraHint);
  const signals = [
    `[BLOCK_FINISH]=${advice.blockFinish ? 1 : 0}`,
    advice.next === 'FINISH' ? '[NEXT]=FINISH (Answer looks correct and concise. Consider finishing to avoid drift.)' : `[NEXT]=ADD:${advice.next}`,
    `[REASON]=${advice.reason}`,
  ];
  return ['<feedback>', ...signals, ...body, tail].join('\n');
}
