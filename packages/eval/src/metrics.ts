// QA and multiple-choice helpers shared by the benchmark scorers.
import { lastBoxed } from './math-strict.js';

// ---------------------------------------------------------------------------------------------
// QA: SQuAD-style normalisation, exact match, token F1

/** Lower-case, drop punctuation, drop the articles a/an/the, collapse whitespace (SQuAD). */
export function normalizeAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g, '')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function tokens(text: string): string[] {
  const normal = normalizeAnswer(text);
  return normal === '' ? [] : normal.split(' ');
}

/** Gold answers: an array, or one string with `|`-separated alternatives. */
export function goldAlternatives(gold: string | readonly string[]): string[] {
  const list = typeof gold === 'string' ? gold.split('|') : [...gold];
  const cleaned = list.map((g) => g.trim()).filter((g) => g !== '');
  return cleaned.length === 0 ? [''] : cleaned;
}

export function exactMatch(prediction: string, gold: string | readonly string[]): number {
  return goldAlternatives(gold).some((g) => normalizeAnswer(prediction) === normalizeAnswer(g)) ? 1 : 0;
}

/** How many predicted tokens the gold tokens cover, each gold token used once (a multiset overlap). */
export function tokenOverlap(predicted: readonly string[], gold: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const t of gold) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of predicted) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      same++;
      counts.set(t, c - 1);
    }
  }
  return same;
}

/** Token F1 with multiset overlap, max over alternatives; both empty counts as a match. */
export function tokenF1(prediction: string, gold: string | readonly string[]): number {
  const predicted = tokens(prediction);
  let best = 0;
  for (const alternative of goldAlternatives(gold)) {
    const reference = tokens(alternative);
    if (predicted.length === 0 || reference.length === 0) {
      best = Math.max(best, predicted.length === reference.length ? 1 : 0);
      continue;
    }
    const same = tokenOverlap(predicted, reference);
    if (same === 0) continue;
    const precision = same / predicted.length;
    const recall = same / reference.length;
    best = Math.max(best, (2 * precision * recall) / (precision + recall));
  }
  return best;
}

/**
 * The reference evaluator's F1: the overlap counts distinct tokens, but precision and recall
 * divide by the token counts (`cat cat` vs `cat cat` is 0.5). Kept for reproducing its numbers.
 */
export function setTokenF1(prediction: string, gold: string): number {
  const p = tokens(prediction);
  const g = tokens(gold);
  if (p.length === 0 || g.length === 0) return 0;
  const gold_ = new Set(g);
  const same = [...new Set(p)].filter((t) => gold_.has(t)).length;
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / g.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Strips an "Answer:" label and `<answer>` tags from a QA prediction. */
export function extractQaAnswer(text: string): string {
  const tagged = [...text.matchAll(/<answer>([\s\S]*?)<\/answer>/gi)].pop()?.[1];
  const base = (tagged ?? text).trim();
  return base.replace(/^(final\s+)?answer\s*[:：]\s*/i, '').trim();
}

// ---------------------------------------------------------------------------------------------
// Multiple choice

/**
 * The option letter a prediction commits to. An explicit commitment wins ("the answer is D",
 * "the correct option is C", `\boxed{C}`, `<answer>C</answer>`, `**C**`), the last one if several;
 * else a lone letter or a leading `C)`, `c )`, `(C)`, `C.`. A word that merely ends in a–e is never
 * a letter (the reference's stripped regex read "France" as `E`).
 */
export function extractChoice(text: string, letters = 'ABCDE'): string | undefined {
  const set = `[${letters}${letters.toLowerCase()}]`;
  const letterOf = (candidate: string | undefined): string | undefined => {
    const m = new RegExp(`^\\s*(?:\\\\text\\{)?\\(?(${set})\\)?\\}?\\s*(?:[).:]|$)`).exec(candidate ?? '');
    return m?.[1]?.toUpperCase();
  };
  const boxed = lastBoxed(text);
  if (boxed !== undefined) {
    const letter = letterOf(boxed);
    if (letter !== undefined) return letter;
  }
  const commitments = [...text.matchAll(new RegExp(`\\b(?:answer|option|choice)(?:\\s+(?:is|would be|will be|should be))?(?:\\s+(?:option|choice))?\\s*[:：]?\\s*\\**\\(?(${set})\\)?\\**(?![A-Za-z0-9])`, 'gi'))];
  // "the answer is a number" uses the article, not option (a).
  const committed = commitments.filter((m) => !(m[1] === 'a' && /^\s+[a-z]/.test(text.slice((m.index ?? 0) + m[0].length)))).pop()?.[1];
  if (committed !== undefined) return committed.toUpperCase();
  const tagged = [...text.matchAll(/<answer>([\s\S]*?)<\/answer>/gi)].pop()?.[1];
  if (tagged !== undefined) return letterOf(tagged);
  const bold = [...text.matchAll(new RegExp(`\\*\\*\\(?(${set})\\)?\\*\\*`, 'g'))].pop()?.[1];
  if (bold !== undefined) return bold.toUpperCase();
  const body = extractQaAnswer(text);
  const leading = new RegExp(`^\\(?(${set})\\s*(?:\\)|[.:](?!\\d))(?:\\s|$)|^\\(?(${set})\\)?$`).exec(body);
  if (leading !== null) return (leading[1] ?? leading[2])?.toUpperCase();
  const parenthesised = new RegExp(`\\((${set})\\)`).exec(body)?.[1];
  return parenthesised?.toUpperCase();
}

export function multipleChoiceCorrect(prediction: string, gold: string): boolean {
  const predicted = extractChoice(prediction);
  const expected = extractChoice(gold) ?? gold.trim().toUpperCase();
  return predicted !== undefined && predicted === expected;
}
