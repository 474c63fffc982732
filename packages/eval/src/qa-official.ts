/**
 * The QA benchmarks' own scorers, written from their published evaluation scripts: SQuAD v2
 * (evaluate-v2.0, with no-answer questions), HotpotQA (hotpot_evaluate_v1, with its yes/no/noanswer
 * rule), TriviaQA (triviaqa_evaluation, aliases, punctuation as spaces) and NQ-open (SQuAD-style
 * exact match over the answer list). Each returns EM and F1 together.
 */

import { tokenOverlap } from './metrics.js';

const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
const TRIVIA_PUNCTUATION = new Set([...PUNCTUATION, '‘', '’', '´', '`']);
// Python's \b is Unicode-aware: an article is a whole word among letters, digits and underscores.
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

function whitespaceFix(text: string): string {
  return text.split(/\s+/u).filter((t) => t !== '').join(' ');
}

/** SQuAD / HotpotQA / NQ normalisation: lower, delete punctuation, drop articles, collapse spaces. */
export function squadNormalize(text: string): string {
  const lower = text.toLowerCase();
  const noPunct = [...lower].filter((ch) => !PUNCTUATION.has(ch)).join('');
  return whitespaceFix(noPunct.replace(ARTICLES, ' '));
}

/** TriviaQA normalisation: underscores and punctuation become spaces, so "Jean-Paul" is "jean paul". */
export function triviaNormalize(text: string): string {
  const lower = text.replace(/_/g, ' ').toLowerCase();
  const spaced = [...lower].map((ch) => (TRIVIA_PUNCTUATION.has(ch) ? ' ' : ch)).join('');
  return whitespaceFix(spaced.replace(ARTICLES, ' ')).trim();
}

function f1FromTokens(predicted: readonly string[], gold: readonly string[]): number {
  const same = tokenOverlap(predicted, gold);
  if (same === 0) return 0;
  const precision = same / predicted.length;
  const recall = same / gold.length;
  return (2 * precision * recall) / (precision + recall);
}

const tokensOf = (normal: string): string[] => (normal === '' ? [] : normal.split(' '));

export interface QaScore {
  readonly em: number;
  readonly f1: number;
  /** The gold answer that gave the best F1. */
  readonly matched: string;
}

function best(golds: readonly string[], score: (gold: string) => { em: number; f1: number }): QaScore {
  let top: QaScore = { em: 0, f1: 0, matched: golds[0] ?? '' };
  let em = 0;
  for (const gold of golds) {
    const s = score(gold);
    em = Math.max(em, s.em);
    if (s.f1 > top.f1) top = { em: s.em, f1: s.f1, matched: gold };
  }
  return { ...top, em };
}

/**
 * SQuAD v2: golds that normalise to empty are dropped; a question left with none is a
 * no-answer question, answered only by the empty prediction.
 */
export function squadV2Golds(answers: readonly string[]): string[] {
  const kept = answers.filter((a) => squadNormalize(a) !== '');
  return kept.length === 0 ? [''] : kept;
}

export function squadV2Score(prediction: string, answers: readonly string[]): QaScore {
  const golds = squadV2Golds(answers);
  const predicted = tokensOf(squadNormalize(prediction));
  return best(golds, (gold) => {
    const reference = tokensOf(squadNormalize(gold));
    const em = squadNormalize(gold) === squadNormalize(prediction) ? 1 : 0;
    if (reference.length === 0 || predicted.length === 0) return { em, f1: reference.length === predicted.length ? 1 : 0 };
    return { em, f1: f1FromTokens(predicted, reference) };
  });
}

/** HotpotQA: one gold; a yes/no/noanswer on either side scores F1 0 unless both are the same. */
export function hotpotScore(prediction: string, gold: string): QaScore {
  const p = squadNormalize(prediction);
  const g = squadNormalize(gold);
  const em = p === g ? 1 : 0;
  const special = ['yes', 'no', 'noanswer'];
  if ((special.includes(p) || special.includes(g)) && p !== g) return { em, f1: 0, matched: gold };
  return { em, f1: f1FromTokens(tokensOf(p), tokensOf(g)), matched: gold };
}

/** TriviaQA: max over the normalised aliases (and human answers); no overlap is F1 0. */
export function triviaScore(prediction: string, aliases: readonly string[]): QaScore {
  const p = triviaNormalize(prediction);
  return best(aliases.length === 0 ? [''] : aliases, (alias) => {
    const g = triviaNormalize(alias);
    return { em: p === g ? 1 : 0, f1: f1FromTokens(tokensOf(p), tokensOf(g)) };
  });
}

/** NQ-open: exact match over the answer list (its headline), with SQuAD token F1 beside it. */
export function nqOpenScore(prediction: string, answers: readonly string[]): QaScore {
  const p = squadNormalize(prediction);
  return best(answers.length === 0 ? [''] : answers, (answer) => {
    const g = squadNormalize(answer);
    return { em: p === g ? 1 : 0, f1: f1FromTokens(tokensOf(p), tokensOf(g)) };
  });
}

/** SQuAD v1-style EM/F1 over alternatives, for QA files of no known benchmark. */
export function genericQaScore(prediction: string, answers: readonly string[]): QaScore {
  const predicted = tokensOf(squadNormalize(prediction));
  return best(answers.length === 0 ? [''] : answers, (gold) => {
    const reference = tokensOf(squadNormalize(gold));
    const em = squadNormalize(gold) === squadNormalize(prediction) ? 1 : 0;
    if (reference.length === 0 || predicted.length === 0) return { em, f1: reference.length === predicted.length ? 1 : 0 };
    return { em, f1: f1FromTokens(predicted, reference) };
  });
}

const NO_ANSWER_PHRASES = ['unanswerable', 'no answer', 'not answerable', 'cannot be answered', 'cannot answer', 'the question cannot be answered', 'there is no answer', 'n/a', '<no answer>', 'no answer found'];

/** Strict mode: an explicit "no answer" statement is the empty answer SQuAD v2 expects. */
export function isNoAnswerStatement(prediction: string): boolean {
  const lower = prediction.trim().toLowerCase().replace(/[.!]+$/, '');
  return NO_ANSWER_PHRASES.includes(lower);
}
