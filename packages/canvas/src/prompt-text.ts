/** The action-turn prompt text: system prompt, type hints and the per-turn state sections. */
import { sanitizeFeedback } from './actions.js';
import type { ProblemType } from './feedback/values.js';
import { truncate } from './feedback/values.js';
import type { OperatorSpec } from './vocabulary.js';

/** The action system prompt the Flow-Director sees on action turns (own wording, reference content). */
export function systemPrompt(library: readonly OperatorSpec[]): string {
  const operators = library.map((op) => `- ${op.name}: ${op.description}`).join('\n');
  return `You are the Flow-Director. You build a workflow for the problem below step by step on a canvas, emitting exactly ONE XML action per turn. The canvas runs the workflow after each edit and tells you what happened.

Goal: a reliable workflow, not a one-shot answer.
- Do not finish right after a single operator. Run at least one checker (Verify, Test or Review) first.
- Plan and Decompose are not answers: add a solver after them.
- Put Format last, right before finishing, so the answer is concise.
- When unsure, use a parallel block with different methods and merge it with ScEnsemble or Aggregate.
- Keep any thinking under about 200 words; if you think in <think>, an action must follow.

Available Operators (${library.length} total). Use only these names:
${operators}

Actions:
<action>add</action><operator>NAME</operator>
  Appends NAME at the end; the canvas asks for its prompt next turn.
<action>add</action><structure>parallel</structure><operators>A,B,C</operators>
  Runs the branches side by side on the same input.
<action>add</action><structure>conditional</structure><condition>Review</condition><true>Revise</true><false>done</false>
  Runs the checker; if the check fails the true branch repairs, otherwise the false branch (or nothing for done).
<action>add</action><structure>loop</structure><operators>A,B</operators><count>n</count>
  Repeats A -> B n times, each iteration feeding the next.
<action>delete</action><target>node_ID</target>
<action>modify</action><target>node_ID</target><operator>NAME</operator>
<action>set_prompt</action><target>node_ID</target><prompt>YOUR PROMPT</prompt>
<action>finish</action>

Example workflows:
- Plan -> Programmer -> (Verify ? Revise : done) -> Format   (recommended for math)
- Programmer -> (Test ? Programmer : done) -> Format         (recommended for code)
- Plan -> [Programmer, Custom] -> Aggregate -> (Verify ? Revise : done) -> Format
- Plan -> Decompose -> [Programmer, Custom] -> ScEnsemble -> Review -> Verify -> Format
- Plan -> (Review -> Revise) * 2 -> Format

Rules: XML only, one action per turn, no code fences, no text around the tags, no more than three identical operators in a row, aggregators only after a parallel block. Never add Plan or Decompose after a solver, checker or Format.`;
}

const TYPE_HINTS: Readonly<Record<string, string>> = {
  math: 'Problem type: math. Solve step by step and double-check arithmetic; Programmer can compute exactly.',
  code: 'Problem type: code. You must use Programmer; check code with Test, not Verify. Recommended: Programmer -> (Test ? Programmer : done) -> Format.',
  humaneval: 'Problem type: code (function completion). Use Programmer and Test. Recommended: Programmer -> (Test ? Programmer : done) -> Format.',
  mbpp: 'Problem type: code (short function). Use Programmer and Test. Recommended: Programmer -> (Test ? Programmer : done) -> Format.',
  qa: 'Problem type: question answering. Think step by step; the final answer is a short span.',
  mathqa_mc: 'Problem type: multiple choice. The final answer must be a single option letter.',
  default: 'Think step by step and keep the final answer concise.',
};

export function typeHint(type: ProblemType): string {
  return TYPE_HINTS[type.toLowerCase()] ?? (TYPE_HINTS['default'] as string);
}

export interface ActionPromptState {
  readonly problem: string;
  readonly problemType: ProblemType;
  /** The round this prompt asks for (1 on the first turn). */
  readonly round: number;
  readonly maxRounds: number;
  readonly dsl: string;
  readonly totalOperators: number;
  readonly uniqueTypes: number;
  readonly nodeIds: readonly string[];
  readonly lastFeedback?: string;
}

/** The part of an action prompt that is the same on every turn of an episode. */
export function actionPromptHead(library: readonly OperatorSpec[], problemType: ProblemType, problem: string): string {
  return `${systemPrompt(library)}\n\n${typeHint(problemType)}\n\n## Problem\n${problem}`;
}

/** An action prompt from its episode head (`actionPromptHead`) and this turn's state. */
export function renderActionPrompt(head: string, state: ActionPromptState): string {
  let text = head;
  if (state.round > 1) {
    text += `\n\n## Current State\n- Current DSL: ${state.dsl === '' ? '(empty)' : state.dsl}\n- Total Operators: ${state.totalOperators}\n- Unique Types: ${state.uniqueTypes}\n- Round: ${state.round}/${state.maxRounds}\n- Node IDs: ${state.nodeIds.length === 0 ? '(none)' : state.nodeIds.join(', ')}`;
    if (state.lastFeedback !== undefined) {
      text += `\n\n## Last Action Feedback\n${truncate(sanitizeFeedback(state.lastFeedback), 800)}\n\nBased on the result above, output your next action:`;
    }
  }
  return `${text}\n\n## Your Turn\nRound ${state.round}. Output your action:`;
}
