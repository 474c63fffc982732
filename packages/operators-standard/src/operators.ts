import { AbortError, StepInputSchema, StepOutputSchema, completeForNode as complete, type Operator, type OperatorCategory, type OperatorContext, type StepInput, type StepOutput } from '@flowsteer/core';
import { cleanAnswer, numericConsensus, parseBoolean, parseLetter, parseNumberedList, xmlFields } from './parse.js';

type StepOperator = Operator<StepInput, StepOutput>;

function define(name: string, category: OperatorCategory, description: string, run: (input: StepInput, ctx: OperatorContext) => Promise<StepOutput>): StepOperator {
  // Some paths answer without the LLM (a unanimous ensemble); a cancelled node must not answer at all.
  const guarded = async (input: StepInput, ctx: OperatorContext): Promise<StepOutput> => {
    if (ctx.signal.aborted) throw new AbortError(`${name} (${ctx.nodeId})`, { cause: ctx.signal.reason });
    return run(input, ctx);
  };
  return { name, category, description, inputSchema: StepInputSchema, outputSchema: StepOutputSchema, run: guarded };
}

/** The task plus whatever earlier steps produced, as the text an LLM step works from. */
export function workingText(input: StepInput): string {
  const parts = [`Problem: ${input.problem}`];
  if (input.plan !== '') parts.push(`Plan:\n${input.plan}`);
  if (input.previous !== '') parts.push(`Previous result:\n${input.previous}`);
  return parts.join('\n\n');
}

function withInstruction(input: StepInput, body: string): string {
  return input.instruction.trim() === '' ? body : `${input.instruction.trim()}\n\n${body}`;
}

/** The solution a checker or reviser works on: the current solution, else the previous output. */
function currentSolution(input: StepInput): string {
  if (input.solution !== '') return input.solution;
  if (input.previous !== '') return input.previous;
  return input.candidates.join('\n---\n');
}

function formatSpec(fields: Readonly<Record<string, string>>): string {
  return `Respond with these XML fields and nothing else:\n${Object.entries(fields).map(([tag, what]) => `<${tag}>${what}</${tag}>`).join('\n')}`;
}

export const Custom = define('Custom', 'solver', 'Free-form reasoning by the executor LLM following your instruction.', async (input, ctx) => {
  const body = input.previous === '' && input.plan === '' ? input.problem : workingText(input);
  const text = await complete(ctx, withInstruction(input, body));
  return { response: text.trim() };
});

export const AnswerGenerate = define('AnswerGenerate', 'solver', 'Thinks step by step and returns a thought plus the shortest final answer.', async (input, ctx) => {
  const prompt = withInstruction(input, `${workingText(input)}\n\nThink step by step, then give only the shortest possible final answer.\n${formatSpec({ thought: 'your reasoning', answer: 'the final answer only' })}`);
  const text = await complete(ctx, prompt);
  const fields = xmlFields(text);
  const answer = fields['answer'] ?? cleanAnswer(text.split('\n').filter((l) => l.trim() !== '').pop() ?? '');
  return { response: answer, fields: { thought: fields['thought'] ?? '', answer } };
});

export const Plan = define('Plan', 'planner', 'Drafts a solution strategy as numbered steps; put it first. A plan is not an answer.', async (input, ctx) => {
  const prompt = withInstruction(input, `${workingText(input)}\n\nDo not solve the problem. Write a strategy for solving it.\n${formatSpec({ approach: 'the overall approach in one or two sentences', key_insights: 'facts or tricks that matter', plan: 'Step 1: ...\nStep 2: ...' })}`);
  const text = await complete(ctx, prompt);
  const fields = xmlFields(text);
  const planText = fields['plan'] ?? text.trim();
  const steps = parseNumberedList(planText);
  return { response: planText, steps, fields: { approach: fields['approach'] ?? '', key_insights: fields['key_insights'] ?? '', plan: planText } };
});

export const Decompose = define('Decompose', 'planner', 'Splits the problem into numbered sub-problems.', async (input, ctx) => {
  const prompt = withInstruction(input, `${workingText(input)}\n\nBreak the problem into small sub-problems that together solve it. Do not solve them.\n${formatSpec({ sub_problems: '1. ...\n2. ...', reasoning: 'why this split works' })}`);
  const text = await complete(ctx, prompt);
  const fields = xmlFields(text);
  const listText = fields['sub_problems'] ?? text.trim();
  return { response: listText, steps: parseNumberedList(listText), fields: { sub_problems: listText, reasoning: fields['reasoning'] ?? '' } };
});

export const Review = define('Review', 'checker', 'Critiques the current solution and says whether it holds up, with feedback.', async (input, ctx) => {
  const solution = currentSolution(input);
  const prompt = withInstruction(input, `Problem: ${input.problem}\n\nProposed solution:\n${solution}\n\nReview the solution critically. Say false only if you are more than 95% sure it is wrong, and explain what is wrong.\n${formatSpec({ review_result: 'true or false', feedback: 'what is right or wrong, and how to fix it' })}`);
  const text = await complete(ctx, prompt);
  const fields = xmlFields(text);
  const passed = parseBoolean(fields['review_result']);
  const feedback = fields['feedback'] ?? (passed === undefined ? `Review output could not be read: ${text.trim().slice(0, 200)}` : '');
  return { response: solution, verdict: { passed: passed ?? false, feedback }, fields: { review_result: String(passed ?? false), feedback } };
});

export const Verify = define('Verify', 'checker', 'Independently re-derives the answer and reports whether the current one is correct, with confidence.', async (input, ctx) => {
  const solution = currentSolution(input);
  const prompt = withInstruction(
    input,
    `Problem: ${input.problem}\n\nProposed answer:\n${solution}\n\nSolve the problem yourself from scratch, then compare with the proposed answer.\n${formatSpec({ verification_steps: 'your independent derivation', is_correct: 'true or false', confidence: 'high, medium or low', answer: 'the correct final answer' })}`,
  );
  const text = await complete(ctx, prompt);
  const fields = xmlFields(text);
  const passed = parseBoolean(fields['is_correct']);
  const confidence = (fields['confidence'] ?? 'unknown').toLowerCase();
  const feedback = fields['verification_steps'] ?? (passed === undefined ? `Verification output could not be read: ${text.trim().slice(0, 200)}` : '');
  const answer = fields['answer'];
  return {
    response: solution,
    verdict: { passed: passed ?? false, feedback, confidence, ...(answer === undefined ? {} : { answer }) },
    fields: { is_correct: String(passed ?? false), confidence, answer: answer ?? '', verification_steps: feedback },
  };
});

export const Revise = define('Revise', 'reviser', 'Rewrites the current solution using feedback from a checker.', async (input, ctx) => {
  const feedback = input.feedback !== '' ? input.feedback : 'No specific feedback was given; check the solution carefully and correct any mistake.';
  const prompt = withInstruction(input, `Problem: ${input.problem}\n\nCurrent solution:\n${currentSolution(input)}\n\nFeedback:\n${feedback}\n\nWrite a corrected solution that addresses the feedback.\n${formatSpec({ solution: 'the corrected solution, ending with the final answer' })}`);
  const text = await complete(ctx, prompt);
  return { response: xmlFields(text)['solution'] ?? text.trim() };
});

export const Format = define('Format', 'formatter', 'Extracts a concise final answer from the current solution; put it last before finishing.', async (input, ctx) => {
  const prompt = withInstruction(
    input,
    `Problem: ${input.problem}\n\nSolution:\n${currentSolution(input)}\n\nExtract only the final answer from the solution. Do not solve the problem again. Give the bare value: keep fractions, radicals and pi symbolic, write integers without ".0", tuples as (x, y), and keep non-numeric answers verbatim. Output nothing else.`,
  );
  return { response: cleanAnswer(await complete(ctx, prompt, { maxTokens: 256 })) };
});

function candidatesOf(input: StepInput): string[] {
  if (input.candidates.length > 0) return [...input.candidates];
  const solution = currentSolution(input);
  return solution === '' ? [] : [solution];
}

/** Long candidates keep their head and tail so the choice prompt stays bounded. */
function clip(candidate: string): string {
  return candidate.length > 2000 ? `${candidate.slice(0, 1000)}\n...[truncated]...\n${candidate.slice(-960)}` : candidate;
}

function lettered(candidates: readonly string[]): string {
  return candidates.map((c, i) => `${String.fromCharCode(65 + i)}: ${clip(c)}`).join('\n\n');
}

export const ScEnsemble = define('ScEnsemble', 'ensemble', 'Self-consistency: picks the answer most candidates agree on (after a parallel block).', async (input, ctx) => {
  const candidates = candidatesOf(input);
  if (candidates.length <= 1) return { response: candidates[0] ?? '' };
  const prompt = `Problem: ${input.problem}\n\nCandidate solutions:\n${lettered(candidates)}\n\nWhich candidate is most consistent with the others? Pick one.\n${formatSpec({ thought: 'a short comparison', solution_letter: 'one letter' })}`;
  const text = await complete(ctx, prompt);
  const index = parseLetter(text, candidates.length) ?? 0;
  return { response: candidates[index] as string, fields: { solution_letter: String.fromCharCode(65 + index) } };
});

/** A small deterministic PRNG so debate orders are reproducible per node. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}

export const MD_ENSEMBLE_VOTES = 3;

export const MdEnsemble = define('MdEnsemble', 'ensemble', 'Debate ensemble: several votes over shuffled candidate orders; the majority wins (after a parallel block).', async (input, ctx) => {
  const candidates = candidatesOf(input);
  if (candidates.length <= 1) return { response: candidates[0] ?? '' };
  const random = mulberry32(seedOf(`${ctx.nodeId}:${input.problem}`));
  const votes = new Array<number>(candidates.length).fill(0);
  for (let round = 0; round < MD_ENSEMBLE_VOTES; round++) {
    const order = candidates.map((_, i) => i).sort(() => random() - 0.5);
    const prompt = `Problem: ${input.problem}\n\nCandidate solutions:\n${lettered(order.map((i) => candidates[i] as string))}\n\nArgue briefly for and against each, then pick the best one.\n${formatSpec({ thought: 'the debate', solution_letter: 'one letter' })}`;
    const picked = parseLetter(await complete(ctx, prompt), candidates.length);
    if (picked !== undefined) votes[order[picked] as number] = (votes[order[picked] as number] ?? 0) + 1;
  }
  const best = votes.indexOf(Math.max(...votes));
  return { response: candidates[best] as string, fields: { votes: votes.join(',') } };
});

export const Aggregate = define('Aggregate', 'ensemble', 'Merges the outputs of a parallel block into one answer (majority for numbers; after a parallel block).', async (input, ctx) => {
  const candidates = candidatesOf(input);
  if (candidates.length === 0) return { response: '' };
  const consensus = numericConsensus(candidates);
  if (consensus !== undefined) {
    const reason = consensus.votes === consensus.total ? `All ${consensus.total} candidates agree` : `Majority voting: ${consensus.votes}/${consensus.total} votes for ${consensus.value}`;
    return { response: consensus.value, fields: { selection_reason: reason } };
  }
  if (candidates.length === 1) return { response: candidates[0] as string };
  const prompt = withInstruction(input, `Problem: ${input.problem}\n\nCandidate answers:\n${lettered(candidates)}\n\nChoose the best-supported final answer among the candidates. Do not solve the problem again.\n${formatSpec({ aggregated_answer: 'the chosen final answer', selection_reason: 'why' })}`);
  const text = await complete(ctx, prompt);
  const fields = xmlFields(text);
  return { response: fields['aggregated_answer'] ?? cleanAnswer(text), fields: { selection_reason: fields['selection_reason'] ?? '' } };
});

/** The standard prompted operators, in library order. */
export const STANDARD_OPERATORS: readonly StepOperator[] = [Custom, AnswerGenerate, Plan, Decompose, Review, Revise, Verify, Format, ScEnsemble, MdEnsemble, Aggregate];
