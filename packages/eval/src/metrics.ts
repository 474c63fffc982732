import { close, numericallyEquivalent, parseExpression } from './expression.js';

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
    const counts = new Map<string, number>();
    for (const t of reference) counts.set(t, (counts.get(t) ?? 0) + 1);
    let same = 0;
    for (const t of predicted) {
      const c = counts.get(t) ?? 0;
      if (c > 0) {
        same++;
        counts.set(t, c - 1);
      }
    }
    if (same === 0) continue;
    const precision = same / predicted.length;
    const recall = same / reference.length;
    best = Math.max(best, (2 * precision * recall) / (precision + recall));
  }
  return best;
}

/** The reference evaluator's set-overlap F1 (kept for reproducing its numbers). */
export function setTokenF1(prediction: string, gold: string): number {
  const p = new Set(tokens(prediction));
  const g = new Set(tokens(gold));
  if (p.size === 0 || g.size === 0) return 0;
  const same = [...p].filter((t) => g.has(t)).length;
  if (same === 0) return 0;
  const precision = same / p.size;
  const recall = same / g.size;
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
 * The option letter a prediction commits to: a lone letter, `(B)`, `B)`, `B.`, `Option B`,
 * `answer is B`, or `<answer>B</answer>`. Unlike the reference (bug 13.1), a word that merely
 * ends in a–e is never read as a letter.
 */
export function extractChoice(text: string, letters = 'ABCDE'): string | undefined {
  const body = extractQaAnswer(text);
  const set = `[${letters}${letters.toLowerCase()}]`;
  const patterns = [
    new RegExp(`^\\(?(${set})\\)?[.:]?$`),
    new RegExp(`^\\(?(${set})[).:]\\s`),
    new RegExp(`\\b(?:option|choice|answer(?:\\s+is)?|answer:)\\s*\\(?(${set})\\)?(?![A-Za-z])`, 'i'),
    new RegExp(`\\((${set})\\)`),
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(body);
    if (match?.[1] !== undefined) return match[1].toUpperCase();
  }
  return undefined;
}

export function multipleChoiceCorrect(prediction: string, gold: string): boolean {
  const predicted = extractChoice(prediction);
  const expected = extractChoice(gold) ?? gold.trim().toUpperCase();
  return predicted !== undefined && predicted === expected;
}

// ---------------------------------------------------------------------------------------------
// Math

/** Content of the last `\boxed{…}` (balanced braces), if any. */
export function lastBoxed(text: string): string | undefined {
  const start = text.lastIndexOf('\\boxed');
  if (start === -1) return undefined;
  const open = text.indexOf('{', start);
  if (open === -1) return undefined;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') {
      depth--;
      if (depth === 0) return text.slice(open + 1, i);
    }
  }
  return undefined;
}

const NUMBER = /[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\/\d+)?/g;

/** The answer a math solution commits to: boxed, `####`, "the answer is", else the last number. */
export function extractMathAnswer(text: string): string {
  const trimmed = text.trim();
  const boxed = lastBoxed(trimmed);
  if (boxed !== undefined) return boxed.trim();
  const tagged = [...trimmed.matchAll(/<answer>([\s\S]*?)<\/answer>/gi)].pop()?.[1];
  if (tagged !== undefined) return tagged.trim();
  const hashes = /####\s*(.+)$/m.exec(trimmed);
  if (hashes?.[1] !== undefined) return hashes[1].trim();
  const phrase = [...trimmed.matchAll(/(?:final answer|the answer)\s*(?:is|:)\s*:?\s*([^\n]+)/gi)].pop()?.[1];
  if (phrase !== undefined) return phrase.replace(/[.\s]+$/, '').replace(/^\$+|\$+$/g, '').trim();
  if (!/\n/.test(trimmed) && trimmed.length <= 40) return trimmed;
  const numbers = trimmed.match(NUMBER);
  return numbers?.[numbers.length - 1] ?? trimmed;
}

const UNIT_WORDS = ['degrees', 'degree', 'dollars', 'dollar', 'cents', 'meters', 'meter', 'centimeters', 'cm', 'km', 'kilometers', 'grams', 'gram', 'kg', 'seconds', 'second', 'minutes', 'minute', 'hours', 'hour', 'days', 'day', 'units', 'unit', 'inches', 'inch', 'feet', 'miles', 'mph', 'percent'];

/** The reference's unit stripping, which also ate trailing g/m/s letters (bug 13.2); named option only. */
export function referenceUnitStrip(text: string): string {
  let out = text;
  for (const unit of ['grams', 'gram', 'g', 'kg', 'meters', 'meter', 'm', 'cm', 'seconds', 'second', 's', 'minutes', 'minute', 'min', 'dollars', 'dollar', 'km', 'hours', 'hour']) {
    out = out.replace(new RegExp(`\\s*${unit}\\b`, 'gi'), '');
  }
  return out.replace(/\s*\$/g, '');
}

/** LaTeX and prose normalisation to a plain expression string. */
export function normalizeMath(text: string, options: { unitLetterStrip?: boolean } = {}): string {
  let s = text.trim();
  // Dollar signs are LaTeX delimiters or currency; neither changes the value.
  s = s.replace(/\\?\$/g, '').replace(/\\\(|\\\)|\\\[|\\\]/g, '');
  s = s.replace(/\\(?:left|right|displaystyle|,|;|!|quad)/g, '').replace(/\\ /g, ' ');
  s = s.replace(/\\text\{([^}]*)\}|\\mathrm\{([^}]*)\}|\\textbf\{([^}]*)\}|\\mbox\{([^}]*)\}/g, (_m, a, b, c, d) => ` ${a ?? b ?? c ?? d ?? ''} `);
  // Innermost first, so fractions of roots and roots of fractions both resolve.
  for (let i = 0; i < 4; i++) {
    s = s.replace(/\\sqrt\[(\d+)\]\{([^{}]*)\}/g, '($2)^(1/$1)').replace(/\\sqrt\{([^{}]*)\}/g, 'sqrt($1)').replace(/\\sqrt(\d+)/g, 'sqrt($1)');
    s = s.replace(/\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}/g, '($1)/($2)');
  }
  s = s.replace(/\\[dt]?frac(\d)(\d)/g, '($1)/($2)');
  s = s.replace(/\\pi\b|π/g, 'pi').replace(/\\cdot|\\times|×/g, '*').replace(/\\div|÷/g, '/');
  s = s.replace(/\^\\circ|\\circ|°/g, '').replace(/\\%/g, '%');
  s = s.replace(/\^\{([^{}]*)\}/g, '^($1)').replace(/\\?\{|\\?\}/g, '').replace(/\\[A-Za-z]+/g, (m) => m.slice(1));
  if (options.unitLetterStrip === true) s = referenceUnitStrip(s);
  else for (const unit of UNIT_WORDS) s = s.replace(new RegExp(`\\s*\\b${unit}\\b\\.?`, 'gi'), '');
  s = s.replace(/^[a-zA-Z]\s*=\s*/, '');
  s = s.replace(/(\d),(\d{3})(?!\d)/g, '$1$2').replace(/(\d),(\d{3})(?!\d)/g, '$1$2');
  s = s.replace(/\s+/g, ' ').trim();
  return s.replace(/[.。]$/, '').trim();
}

/** Numeric value of a normalised answer (percent, fractions, pi, sqrt, mixed numbers), if it has one. */
export function numericValue(text: string): number | undefined {
  let s = text.replace(/\s+/g, '');
  if (s === '') return undefined;
  let scale = 1;
  if (s.endsWith('%')) {
    s = s.slice(0, -1);
    scale = 0.01;
  }
  s = s.replace(/^\$/, '');
  const mixed = /^(-?\d+)\((\d+)\)\/\((\d+)\)$/.exec(s);
  if (mixed !== null) {
    const whole = Number(mixed[1]);
    const frac = Number(mixed[2]) / Number(mixed[3]);
    return (whole < 0 ? whole - frac : whole + frac) * scale;
  }
  const expression = parseExpression(s);
  if (expression === undefined || expression.variables.length > 0) return undefined;
  const value = expression.evaluate();
  return Number.isFinite(value) ? value * scale : undefined;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  return parts.filter((p) => p !== '');
}

export interface MathOptions {
  /** Absolute/relative tolerance for numbers. */
  readonly tolerance?: number;
  /** Reproduce the reference's letter-eating unit list (bug 13.2). */
  readonly unitLetterStrip?: boolean;
}

function scalarEqual(a: string, b: string, tolerance: number): boolean {
  if (a === b || a.toLowerCase() === b.toLowerCase()) return true;
  const x = numericValue(a);
  const y = numericValue(b);
  if (x !== undefined && y !== undefined) return close(x, y, tolerance, tolerance);
  // Text answers ("yes", "(B)") compare after SQuAD normalisation; numbers never do (it drops signs).
  if (x === undefined && y === undefined && normalizeAnswer(a) !== '' && normalizeAnswer(a) === normalizeAnswer(b)) return true;
  const ea = parseExpression(a.replace(/\s+/g, ''));
  const eb = parseExpression(b.replace(/\s+/g, ''));
  if (ea !== undefined && eb !== undefined && (ea.variables.length > 0 || eb.variables.length > 0)) return numericallyEquivalent(ea, eb, tolerance);
  return false;
}

/**
 * Math answer equivalence: LaTeX normalisation, numeric tolerance, fractions, percents, pi and
 * roots, tuples and lists (ordered; sets in braces compare unordered), and a numeric-identity
 * fallback for expressions with variables.
 */
export function mathEqual(prediction: string, reference: string, options: MathOptions = {}): boolean {
  const tolerance = options.tolerance ?? 1e-6;
  const rawP = prediction.trim();
  const rawR = reference.trim();
  if (rawP === '' || rawR === '') return false;
  const unordered = /^\\?\{.*\\?\}$/.test(rawR);
  const p = normalizeMath(rawP, options);
  const r = normalizeMath(rawR, options);
  if (scalarEqual(p, r, tolerance)) return true;
  const strip = (s: string): string => s.replace(/^[([]\s*|\s*[)\]]$/g, '');
  const pp = splitTopLevel(strip(p));
  const rr = splitTopLevel(strip(r));
  if (rr.length > 1 && pp.length === rr.length) {
    if (pp.every((x, i) => scalarEqual(x, rr[i] as string, tolerance))) return true;
    if (unordered || !/^[([]/.test(r)) {
      const remaining = [...rr];
      return pp.every((x) => {
        const at = remaining.findIndex((y) => scalarEqual(x, y, tolerance));
        if (at === -1) return false;
        remaining.splice(at, 1);
        return true;
      });
    }
  }
  return false;
}
