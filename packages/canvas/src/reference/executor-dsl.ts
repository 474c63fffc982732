import { REFERENCE_OPERATORS } from '../vocabulary.js';

/**
 * The reference executor's DSL parser (spec §1.8(b)), kept to reproduce what the reference really
 * ran: it normalises before parsing — strips tags and junk, renames unknown words to operators,
 * unrolls loops (at most 5), keeps 15 parts, drops consecutive duplicates and, for math, `Test`.
 * FlowSteer-TS executes the canvas graph instead; this parser is for conformance and for
 * analysing reference runs (spec §13 lists its de-duplication and renaming as bugs).
 */
export type ExecutorStage =
  | { readonly type: 'single'; readonly operator: string }
  | { readonly type: 'parallel'; readonly operators: readonly string[] }
  | { readonly type: 'conditional'; readonly condition: string; readonly trueBranch: string; readonly falseBranch: string }
  /** Legacy `(A -> B) * plan`: the body runs as a plan-driven loop. */
  | { readonly type: 'plan_loop'; readonly operators: readonly string[] }
  /** Legacy `[A, B] * decompose`: the operators run on each sub-problem. */
  | { readonly type: 'decompose_parallel'; readonly operators: readonly string[] };

export type ExecutorParse = { readonly valid: true; readonly stages: readonly ExecutorStage[] } | { readonly valid: false; readonly error: string };

const MAX_LOOP = 5;
const MAX_PARTS = 15;

/** Renames the reference applies to capitalised words that are not operators. */
const CORRECTIONS: Readonly<Record<string, string>> = {
  Coder: 'Programmer', Code: 'Programmer', Python: 'Programmer', Execute: 'Programmer', Calc: 'Programmer', Calculator: 'Programmer', Prog: 'Programmer',
  Check: 'Verify', Confirm: 'Verify',
  Validate: 'Review', Rev: 'Review',
  Fix: 'Revise', Correct: 'Revise', Improve: 'Revise',
  Vote: 'ScEnsemble', Ensemble: 'ScEnsemble', Select: 'ScEnsemble', Sc: 'ScEnsemble',
  Break: 'Decompose', Split: 'Decompose', Divide: 'Decompose',
  Combine: 'Aggregate', Merge: 'Aggregate', Join: 'Aggregate', Collect: 'Aggregate',
  Strategy: 'Plan', Think: 'Plan', Approach: 'Plan',
  Giver: 'Custom', Generator: 'Custom', Solver: 'Custom', Thinker: 'Custom', Reasoner: 'Custom', Answer: 'Custom', Cust: 'Custom',
};

/**
 * The reference scanned a hash set here, so which operator a fuzzy name lands on could vary
 * between runs; this port scans in sorted order so the result is at least repeatable.
 */
function correctName(word: string, valid: readonly string[]): string {
  const letters = word.replace(/[^A-Za-z]/g, '');
  const mapped = CORRECTIONS[letters];
  if (mapped !== undefined) return mapped;
  const lower = letters.toLowerCase();
  if (lower.length >= 2) {
    const prefix = valid.find((name) => name.toLowerCase().startsWith(lower));
    if (prefix !== undefined) return prefix;
  }
  if (lower.length > 0) {
    const overlap = valid.find((name) => name.toLowerCase().includes(lower) || lower.includes(name.toLowerCase()));
    if (overlap !== undefined) return overlap;
  }
  return 'Custom';
}

function mentionsOperator(text: string, valid: readonly string[]): boolean {
  return valid.some((name) => text.includes(name));
}

function stripMarkup(text: string, valid: readonly string[]): string {
  let current = text.trim();
  if (/<\/?output>/.test(current)) {
    const fragment = current.split(/<\/?output>/).find((piece) => mentionsOperator(piece, valid));
    if (fragment !== undefined) current = fragment;
  }
  return current.replace(/<\/?[a-zA-Z_][a-zA-Z0-9_]*\/?>/g, '').replace(/```\w*/g, '').trim();
}

function cleanProblemContent(text: string, valid: readonly string[]): string {
  let current = text.replace(/^[a-z_]\w*\(\s*\w+\s*\)\s*->\s*/, '');
  const label = /^[A-Za-z_]\w*:/.exec(current);
  if (label !== null && mentionsOperator(current.slice(label[0].length), valid)) return current.slice(label[0].length).trim();
  const first = Math.min(...valid.map((name) => current.indexOf(name)).filter((index) => index >= 0));
  if (Number.isFinite(first) && first > 0 && !/^[[(\s]*$/.test(current.slice(0, first))) current = current.slice(first);
  return current.trim();
}

function repeat(body: string, count: number): string {
  return Array.from({ length: Math.min(count, MAX_LOOP) }, () => body.trim()).join(' -> ');
}

const PLAN_LOOP = /^\(([^()]*)\)\s*\*\s*plan$/i;
const DECOMPOSE_PARALLEL = /^\[([^\]]*)\]\s*\*\s*decompose$/i;
/** The legacy forms are protected from loop expansion by this placeholder for "*". */
const LEGACY_STAR = '\u0000';
/** ... and "->" inside their bodies from the split into parts. */
const LEGACY_ARROW = '\u0001';

function protectLegacyForms(text: string): string {
  return text.replace(/(\([^()]*\)|\[[^[\]]*\])\s*\*\s*(plan|decompose)\b/gi, (_, body: string, kind: string) => `${body.replaceAll('->', LEGACY_ARROW)} ${LEGACY_STAR} ${kind}`);
}

function expandLoops(text: string): string {
  let current = text;
  // Innermost parenthesised bodies first, until none is followed by "*".
  for (let guard = 0; guard < 50; guard++) {
    const next = current.replace(/\(([^()]*)\)\s*\*\s*(\d+)?/, (_, body: string, count: string | undefined) => repeat(body, count === undefined ? 3 : Number(count)));
    if (next === current) break;
    current = next;
  }
  return current
    // The lookbehinds start a match only at the first digit / letter of a run: a later start in
    // the same run cannot succeed where the first failed, and trying each one is quadratic.
    .replace(/(?<!\d)(\d+)\s*\*\s*([A-Za-z]\w*)/g, (_, count: string, op: string) => repeat(op, Number(count)))
    .replace(/(?<![A-Za-z][0-9_]*)([A-Za-z]\w*)\s*\*\s*(\d+)/g, (_, op: string, count: string) => repeat(op, Number(count)))
    .replace(/(?<![A-Za-z][0-9_]*)([A-Za-z]\w*)\s*\*(?!\s*\d)/g, (_, op: string) => repeat(op, 3));
}

function keepPart(part: string, valid: readonly string[]): boolean {
  if (part === 'done' || part.startsWith('[') || part.includes('?') || part.includes(':')) return true;
  if (/^\d+$/.test(part) || (part.length < 3 && !part.includes('*'))) return false;
  return mentionsOperator(part, valid) || part.includes('*');
}

export function parseDslExecutorReference(dsl: string, problemType = 'math', operators: readonly string[] = REFERENCE_OPERATORS.map((o) => o.name)): ExecutorParse {
  const valid = [...operators].sort();
  const isValid = (name: string): boolean => valid.includes(name);
  let text = stripMarkup(dsl, valid);
  if (text === '') return { valid: false, error: 'DSL' };
  text = cleanProblemContent(text, valid);
  // `done` in any case is not an operator name to correct.
  text = text.replace(/\b[A-Z][a-zA-Z']*\b/g, (word) => (isValid(word) || word.toLowerCase() === 'done' ? word : correctName(word, valid)));
  text = expandLoops(protectLegacyForms(text)).replaceAll(LEGACY_STAR, '*');

  // Filter, then keep the first 15: stopping at 15 gives the same parts without scanning the rest.
  let parts: string[] = [];
  for (let start = 0; start <= text.length && parts.length < MAX_PARTS; ) {
    const arrow = text.indexOf('->', start);
    const part = text.slice(start, arrow < 0 ? undefined : arrow).trim();
    if (part !== '' && keepPart(part, valid)) parts.push(part);
    if (arrow < 0) break;
    start = arrow + 2;
  }
  parts = parts.filter((part, i) => i === 0 || part.startsWith('[') || part !== parts[i - 1]);
  if (problemType === 'math') {
    parts = parts
      .filter((part) => part !== 'Test')
      .map((part) => (part.startsWith('[') && !DECOMPOSE_PARALLEL.test(part) ? `[${part.slice(1, part.lastIndexOf(']')).split(',').map((s) => s.trim()).filter((s) => s !== 'Test').join(', ')}]` : part))
      .filter((part) => part !== '[]');
  }
  if (!mentionsOperator(parts.join(' -> '), valid)) return { valid: false, error: 'operator' };
  if (parts[parts.length - 1] === 'done') parts = parts.slice(0, -1);

  const stages: ExecutorStage[] = [];
  for (const part of parts) {
    const legacy = PLAN_LOOP.exec(part) ?? DECOMPOSE_PARALLEL.exec(part);
    if (legacy !== null) {
      const separator = part.startsWith('(') ? LEGACY_ARROW : ',';
      const names = (legacy[1] ?? '').split(separator).map((s) => s.trim()).filter((s) => s !== '');
      const bad = names.find((name) => !isValid(name));
      if (bad !== undefined) return { valid: false, error: `operator: ${bad}` };
      stages.push({ type: part.startsWith('(') ? 'plan_loop' : 'decompose_parallel', operators: names });
    } else if (part.startsWith('[')) {
      const names = part.slice(1, part.lastIndexOf(']')).split(',').map((s) => s.trim());
      const bad = names.find((name) => !isValid(name));
      if (bad !== undefined) return { valid: false, error: `operator: ${bad}` };
      stages.push({ type: 'parallel', operators: names });
    } else if (part.includes('?') && part.includes(':')) {
      const match = /^(\w+)\s*\?\s*(\w+)\s*:\s*(\w+)$/.exec(part);
      if (match === null) return { valid: false, error: `: ${part}` };
      const [, condition = '', trueBranch = '', falseBranch = ''] = match;
      if (!isValid(condition)) return { valid: false, error: `operator: ${condition}` };
      for (const branch of [trueBranch, falseBranch]) if (branch !== 'done' && !isValid(branch)) return { valid: false, error: `operator: ${branch}` };
      stages.push({ type: 'conditional', condition, trueBranch, falseBranch });
    } else {
      if (!isValid(part)) return { valid: false, error: `operator: ${part}` };
      stages.push({ type: 'single', operator: part });
    }
  }
  return stages.length === 0 ? { valid: false, error: 'DSL' } : { valid: true, stages };
}
