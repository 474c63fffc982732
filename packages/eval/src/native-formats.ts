import type { EvalProblem } from './datasets.js';

/**
 * Recognising one record of a benchmark's own public format and turning it into problems.
 * Each recogniser returns undefined when the record is not its format, or throws a message
 * (the loader adds file:line) when it is, but cannot be scored.
 */

export class RecordRejected extends Error {}

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const has = (r: Json, ...keys: string[]): boolean => keys.every((k) => r[k] !== undefined && r[k] !== null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(str).filter((s): s is string => s !== undefined) : []);

function need(value: string | undefined, what: string): string {
  if (value === undefined || value.trim() === '') throw new RecordRejected(`${what} is missing or empty`);
  return value;
}

export interface NativeContext {
  /** The benchmark the file name names, if any (`aime2025.jsonl`). */
  readonly hint: string | undefined;
  readonly line: number;
}

function humanEval(r: Json, ctx: NativeContext): EvalProblem[] | undefined {
  if (!(has(r, 'task_id', 'prompt', 'test') && !has(r, 'code_context'))) return undefined;
  const entryPoint = need(str(r['entry_point']), 'HumanEval "entry_point"');
  const prompt = need(str(r['prompt']), 'HumanEval "prompt"');
  const test = need(str(r['test']), 'HumanEval "test"');
  if (!/def\s+check\s*\(/.test(test)) throw new RecordRejected('HumanEval "test" defines no check(candidate)');
  return [{ id: String(r['task_id']), source: 'humaneval', problemType: 'code', problem: prompt, groundTruth: str(r['canonical_solution']) ?? '', answers: [], test, entryPoint, prompt, line: ctx.line }];
}

function mbpp(r: Json, ctx: NativeContext): EvalProblem[] | undefined {
  if (!(has(r, 'test_list') && (has(r, 'text') || has(r, 'prompt')))) return undefined;
  const tests = strings(r['test_list']);
  if (tests.length === 0) throw new RecordRejected('MBPP "test_list" has no asserts');
  const text = need(str(r['text']) ?? str(r['prompt']), 'MBPP "text"');
  const setup = str(r['test_setup_code']) ?? '';
  // The MBPP prompt shows the asserts so the model knows the function's name and signature.
  const problem = `${text}\nYour code should pass these tests:\n\n${tests.join('\n')}`;
  return [{ id: `mbpp/${str(r['task_id']) ?? ctx.line}`, source: 'mbpp', problemType: 'code', problem, groundTruth: str(r['code']) ?? '', answers: [], test: tests.join('\n'), ...(setup.trim() === '' ? {} : { setup }), line: ctx.line }];
}

function apps(r: Json, ctx: NativeContext): EvalProblem[] | undefined {
  if (!has(r, 'question') || !('input_output' in r)) return undefined;
  const rawTests = r['input_output'];
  let tests: unknown = rawTests;
  if (typeof rawTests === 'string') {
    if (rawTests.trim() === '') throw new RecordRejected('APPS "input_output" is empty (the problem has no tests)');
    try {
      tests = JSON.parse(rawTests);
    } catch {
      throw new RecordRejected('APPS "input_output" is not JSON');
    }
  }
  const t = tests as { inputs?: unknown; outputs?: unknown; fn_name?: unknown };
  if (!Array.isArray(t?.inputs) || !Array.isArray(t.outputs) || t.inputs.length === 0 || t.inputs.length !== t.outputs.length) throw new RecordRejected('APPS "input_output" needs equally long, non-empty "inputs" and "outputs"');
  const starter = str(r['starter_code']) ?? '';
  const fnName = str(t.fn_name);
  const problem = `${need(str(r['question']), 'APPS "question"')}${starter.trim() === '' ? '' : `\n\nStarter code:\n${starter}`}\n\n${fnName === undefined ? 'Read from standard input and write to standard output.' : `Implement ${fnName}.`}`;
  return [{ id: `apps/${str(r['problem_id']) ?? str(r['id']) ?? ctx.line}`, source: 'apps', problemType: 'code', problem, groundTruth: '', answers: [], test: JSON.stringify({ inputs: t.inputs, outputs: t.outputs, ...(fnName === undefined ? {} : { fn_name: fnName }) }), line: ctx.line }];
}

function ds1000(r: Json, ctx: NativeContext): EvalProblem[] | undefined {
  if (!has(r, 'code_context', 'prompt')) return undefined;
  const codeContext = need(str(r['code_context']), 'DS-1000 "code_context"');
  if (!/def\s+test_execution\s*\(/.test(codeContext)) throw new RecordRejected('DS-1000 "code_context" defines no test_execution(solution)');
  const meta = (r['metadata'] ?? {}) as Json;
  return [{ id: `ds1000/${str(meta['problem_id']) ?? ctx.line}`, source: 'ds1000', problemType: 'code', problem: need(str(r['prompt']), 'DS-1000 "prompt"'), groundTruth: str(r['reference_code']) ?? '', answers: [], codeContext, line: ctx.line }];
}

function gsm8k(r: Json, ctx: NativeContext): EvalProblem[] | undefined {
  const answer = str(r['answer']);
  if (!has(r, 'question') || answer === undefined || !answer.includes('####')) return undefined;
  return [{ id: str(r['id']) ?? `gsm8k/${ctx.line}`, source: 'gsm8k', problemType: 'math', problem: need(str(r['question']), 'GSM8K "question"'), groundTruth: answer, answers: [answer], line: ctx.line }];
}

function math(r: Json, ctx: NativeContext): EvalProblem[] | undefined {
  if (!has(r, 'problem', 'solution')) return undefined;
  const solution = need(str(r['solution']), 'MATH "solution"');
  if (!solution.includes('\\boxed') && !solution.includes('\\fbox')) throw new RecordRejected('MATH "solution" has no \\boxed{} answer');
  return [{ id: str(r['unique_id']) ?? `math/${ctx.line}`, source: ctx.hint === 'aime2025' ? 'aime2025' : 'math', problemType: 'math', problem: need(str(r['problem']), 'MATH "problem"'), groundTruth: solution, answers: [solution], line: ctx.line }];
}

function mathqa(r: Json, ctx: NativeContext): EvalProblem[] | undefined {
  if (!has(r, 'Problem', 'options', 'correct')) return undefined;
  const correct = need(str(r['correct']), 'MathQA "correct"').trim().toLowerCase();
  if (!/^[a-e]$/.test(correct)) throw new RecordRejected(`MathQA "correct" must be a letter a-e, got "${correct}"`);
  const options = Array.isArray(r['options']) ? strings(r['options']).join(' , ') : need(str(r['options']), 'MathQA "options"');
  return [{ id: str(r['id']) ?? `mathqa/${ctx.line}`, source: 'mathqa', problemType: 'mc', problem: `${need(str(r['Problem']), 'MathQA "Problem"')}\nOptions: ${options}`, groundTruth: correct, answers: [correct], line: ctx.line }];
}

function aime(r: Json, ctx: NativeContext): EvalProblem[] | undefined {
  if (ctx.hint !== 'aime2025' || has(r, 'ground_truth', 'meta')) return undefined;
  const problem = str(r['problem']) ?? str(r['question']);
  const answer = str(r['answer']);
  if (problem === undefined || answer === undefined) return undefined;
  if (!/^\s*\d{1,3}\s*$/.test(answer)) throw new RecordRejected(`AIME "answer" must be an integer 0-999, got "${answer}"`);
  return [{ id: str(r['id']) ?? `aime2025/${ctx.line}`, source: 'aime2025', problemType: 'math', problem, groundTruth: answer.trim(), answers: [answer.trim()], line: ctx.line }];
}

function triviaqa(r: Json, ctx: NativeContext): EvalProblem[] | undefined {
  const answer = (r['Answer'] ?? r['answer']) as Json | undefined;
  const question = str(r['Question']) ?? str(r['question']);
  if (question === undefined || answer === undefined || answer === null || typeof answer !== 'object' || Array.isArray(answer)) return undefined;
  const aliases = [...strings(answer['NormalizedAliases'] ?? answer['normalized_aliases']), ...strings(answer['HumanAnswers'] ?? answer['human_answers'])];
  const fallback = [...strings(answer['Aliases'] ?? answer['aliases']), ...(str(answer['Value'] ?? answer['value']) === undefined ? [] : [str(answer['Value'] ?? answer['value']) as string])];
  const golds = aliases.length > 0 ? aliases : fallback;
  if (golds.length === 0) throw new RecordRejected('TriviaQA "Answer" has no aliases');
  return [{ id: str(r['QuestionId']) ?? str(r['question_id']) ?? `triviaqa/${ctx.line}`, source: 'triviaqa', problemType: 'qa', problem: question, groundTruth: str(answer['Value'] ?? answer['value']) ?? golds[0] as string, answers: golds, line: ctx.line }];
}

function hotpot(r: Json, ctx: NativeContext): EvalProblem[] | undefined {
  if (!has(r, '_id', 'question', 'answer')) return undefined;
  const paragraphs = Array.isArray(r['context']) ? (r['context'] as unknown[]).map((p) => (Array.isArray(p) ? `${str(p[0]) ?? ''}: ${strings(p[1]).join('')}` : '')).filter((p) => p !== '') : [];
  const answer = need(str(r['answer']), 'HotpotQA "answer"');
  const problem = paragraphs.length === 0 ? need(str(r['question']), 'HotpotQA "question"') : `Context:\n${paragraphs.join('\n')}\n\nQuestion: ${str(r['question']) ?? ''}`;
  return [{ id: String(r['_id']), source: 'hotpotqa', problemType: 'qa', problem, groundTruth: answer, answers: [answer], line: ctx.line }];
}

function squadArticle(r: Json, ctx: NativeContext): EvalProblem[] | undefined {
  if (!Array.isArray(r['paragraphs'])) return undefined;
  const out: EvalProblem[] = [];
  for (const paragraph of r['paragraphs'] as Json[]) {
    const context = need(str(paragraph['context']), 'SQuAD "context"');
    for (const qa of (paragraph['qas'] ?? []) as Json[]) {
      const answers = ((qa['answers'] ?? []) as Json[]).map((a) => str(a['text'])).filter((a): a is string => a !== undefined);
      const impossible = qa['is_impossible'] === true;
      if (!impossible && answers.length === 0) throw new RecordRejected(`SQuAD question "${str(qa['id']) ?? '?'}" has no answers and is not marked is_impossible`);
      out.push({ id: need(str(qa['id']), 'SQuAD question "id"'), source: 'squad_v2', problemType: 'qa', problem: `Context: ${context}\nQuestion: ${need(str(qa['question']), 'SQuAD "question"')}\nIf the question cannot be answered from the context, answer with nothing.`, groundTruth: impossible ? '' : (answers[0] as string), answers: impossible ? [] : answers, line: ctx.line });
    }
  }
  return out;
}

function nqOpen(r: Json, ctx: NativeContext): EvalProblem[] | undefined {
  if (!has(r, 'question') || !Array.isArray(r['answer']) || has(r, 'ground_truth', 'source')) return undefined;
  if (ctx.hint !== undefined && ctx.hint !== 'nq') return undefined;
  const answers = strings(r['answer']);
  if (answers.length === 0) throw new RecordRejected('NQ-open "answer" is an empty list');
  return [{ id: str(r['id']) ?? `nq/${ctx.line}`, source: 'nq', problemType: 'qa', problem: need(str(r['question']), 'NQ "question"'), groundTruth: answers[0] as string, answers, line: ctx.line }];
}

/** Recognisers, most specific first. */
const RECOGNISERS = [ds1000, humanEval, mbpp, apps, squadArticle, hotpot, triviaqa, mathqa, gsm8k, aime, math, nqOpen];

/** The problems of a native record, or undefined when it is no benchmark's native format. */
export function nativeProblems(record: Json, ctx: NativeContext): EvalProblem[] | undefined {
  // A FlowSteer-Dataset record says so with these fields.
  if (record['ground_truth'] !== undefined || record['meta'] !== undefined || record['problem_type'] !== undefined || record['source'] !== undefined || record['dataset'] !== undefined) return undefined;
  for (const recognise of RECOGNISERS) {
    const problems = recognise(record, ctx);
    if (problems !== undefined) return problems;
  }
  return undefined;
}
