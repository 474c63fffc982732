import { close, numericallyEquivalent, parseExpression } from './expression.js';

/**
 * The strict math comparator: official-compatible (an answer MATH's own check accepts is accepted
 * here too, up to value), with the reference's false positives removed — operators, signs,
 * inequality directions, infinities and interval brackets always matter — and common answer forms
 * recognised (`Answer: 72`, `18 apples`, `72%`, `90^{\circ}`, `5\text{ cm}^2`).
 */

/** Content of the last `\boxed{…}` or `\fbox{…}` (balanced braces), if any. */
export function lastBoxed(text: string): string | undefined {
  return bracedAfter(text, Math.max(text.lastIndexOf('\\boxed'), text.lastIndexOf('\\fbox')));
}

/** The balanced `{…}` group that opens after position `at` (-1: none), without its braces. */
export function bracedAfter(text: string, at: number): string | undefined {
  if (at === -1) return undefined;
  const open = text.indexOf('{', at);
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

/** A number followed only by words ("18 apples", "3.5 kg") is that number. */
function dropTrailingWords(answer: string): string {
  const match = /^([-+]?\$?\s*(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*%?)\s+([A-Za-z][A-Za-z\s.'-]*)$/.exec(answer);
  if (match === null) return answer;
  const words = (match[2] as string).trim().toLowerCase();
  // Letters that carry math stay: "5 x", "2 pi", "3 i", "4 sqrt".
  if (/^(?:[a-z]|pi|sqrt.*|i)$/.test(words)) return answer;
  return (match[1] as string).trim();
}

/**
 * The answer a math solution commits to: the last boxed, `<answer>`, `####`, an "Answer:" label or
 * "the (final) answer is", else the whole text when short, else the last number.
 */
export function extractMathAnswer(text: string): string {
  const trimmed = text.trim();
  const boxed = lastBoxed(trimmed);
  if (boxed !== undefined) return boxed.trim();
  const tagged = [...trimmed.matchAll(/<answer>([\s\S]*?)<\/answer>/gi)].pop()?.[1];
  if (tagged !== undefined) return tagged.trim();
  const hashes = [...trimmed.matchAll(/####\s*(.+)$/gm)].pop()?.[1];
  if (hashes !== undefined) return dropTrailingWords(hashes.trim());
  // The committed phrase runs to the end of its sentence ("The answer is 72. Check: …").
  const phrase = [...trimmed.matchAll(/(?:final answer|the answer|^answer)\s*(?:is|:|：)\s*:?\s*([^\n]+?)(?:\.(?:\s|$)|$)/gim)].pop()?.[1];
  if (phrase !== undefined) return dropTrailingWords(phrase.replace(/[.\s]+$/, '').replace(/^\$+|\$+$/g, '').trim());
  const numbers = trimmed.match(NUMBER);
  if (!/\n/.test(trimmed) && trimmed.length <= 40) {
    // A short answer is the answer when it reads as one (a value, an expression, a word);
    // otherwise ("I think 70, no wait, 72") its last number.
    const candidate = dropTrailingWords(trimmed.replace(/\.$/, ''));
    const normal = normalizeMath(candidate);
    if (numbers === null || /^[A-Za-z][A-Za-z\s'.]*$/.test(normal) || !/[A-Za-z]{2,}/.test(normal.replace(/\b(?:sqrt|pi|inf|frac)\b/g, '')) || numericValue(normal) !== undefined) return candidate;
  }
  return numbers?.[numbers.length - 1] ?? trimmed;
}

const UNIT_WORDS = ['degrees', 'degree', 'dollars', 'dollar', 'cents', 'meters', 'meter', 'centimeters', 'cm', 'km', 'kilometers', 'grams', 'gram', 'kg', 'seconds', 'second', 'minutes', 'minute', 'hours', 'hour', 'days', 'day', 'units', 'unit', 'inches', 'inch', 'feet', 'miles', 'mph', 'percent', 'square', 'sq', 'cubic'];

/** The reference's unit stripping, which also ate trailing g/m/s letters (bug 13.2); named option only. */
export function referenceUnitStrip(text: string): string {
  let out = text;
  for (const unit of ['grams', 'gram', 'g', 'kg', 'meters', 'meter', 'm', 'cm', 'seconds', 'second', 's', 'minutes', 'minute', 'min', 'dollars', 'dollar', 'km', 'hours', 'hour']) {
    out = out.replace(new RegExp(`\\s*${unit}\\b`, 'gi'), '');
  }
  return out.replace(/\s*\$/g, '');
}

/** LaTeX and prose normalisation to a plain expression string; operators and brackets are kept. */
export function normalizeMath(text: string, options: { unitLetterStrip?: boolean } = {}): string {
  let s = text.trim();
  // Dollar signs are LaTeX delimiters or currency; neither changes the value.
  s = s.replace(/\\?\$/g, '').replace(/\\\(|\\\)|\\\[|\\\]/g, '');
  s = s.replace(/\\(?:left|right|displaystyle|,|;|!|quad)/g, '').replace(/\\ /g, ' ');
  s = s.replace(/\^\{\\circ\}|\^\\circ|\\circ|°/g, '').replace(/\\%/g, '%');
  // A trailing unit in \text{…}, squared or cubed, is a unit: 5\text{ cm}^2 is 5.
  s = s.replace(/(\d)\s*\\(?:text|mbox|mathrm)\{\s*[A-Za-z][A-Za-z .]*\}(?:\^\{?[23]\}?)?\s*$/, '$1');
  s = s.replace(/\\text\{([^}]*)\}|\\mathrm\{([^}]*)\}|\\textbf\{([^}]*)\}|\\mbox\{([^}]*)\}/g, (_m, a, b, c, d) => ` ${a ?? b ?? c ?? d ?? ''} `);
  s = s.replace(/\\infty|∞/g, ' inf ').replace(/\\leq?|≤/g, '<=').replace(/\\geq?|≥/g, '>=').replace(/\\neq|≠/g, '!=').replace(/\\cup|∪/g, ' U ');
  s = s.replace(/\\lt\b/g, '<').replace(/\\gt\b/g, '>');
  // Innermost first, so fractions of roots and roots of fractions both resolve.
  for (let i = 0; i < 4; i++) {
    s = s.replace(/\\sqrt\[(\d+)\]\{([^{}]*)\}/g, '($2)^(1/$1)').replace(/\\sqrt\{([^{}]*)\}/g, 'sqrt($1)').replace(/\\sqrt(\d+)/g, 'sqrt($1)');
    s = s.replace(/\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}/g, '($1)/($2)');
  }
  s = s.replace(/\\[dt]?frac(\d)(\d)/g, '($1)/($2)');
  s = s.replace(/\\pi\b|π/g, 'pi').replace(/\\cdot|\\times|×/g, '*').replace(/\\div|÷/g, '/');
  s = s.replace(/\^\{([^{}]*)\}/g, '^($1)');
  // Escaped braces are set braces; bare ones only group (1{,}000, {x}).
  s = s.replace(/\\\{/g, '\u0001').replace(/\\\}/g, '\u0002').replace(/[{}]/g, '').replace(/\u0001/g, '{').replace(/\u0002/g, '}');
  s = s.replace(/\\[A-Za-z]+/g, (m) => m.slice(1));
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

function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(current.trim());
      current = '';
      i += separator.length - 1;
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

const WORDS_ONLY = /^[A-Za-z][A-Za-z\s'.]*$/;
const INFINITY = /^([+-]?)\s*inf$/;
const RELATION = /^(.*?)(<=|>=|!=|<|>)(.*)$/;
const FLIP: Readonly<Record<string, string>> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '!=': '!=' };

function infinitySign(text: string): number | undefined {
  const m = INFINITY.exec(text.replace(/\s+/g, ''));
  return m === null ? undefined : m[1] === '-' ? -1 : 1;
}

function scalarEqual(a: string, b: string, tolerance: number): boolean {
  if (a === b) return true;
  // Text answers ("yes", "Monday") compare case-insensitively; anything with a digit or an operator never does.
  if (WORDS_ONLY.test(a) && WORDS_ONLY.test(b)) return a.toLowerCase().replace(/\s+/g, ' ') === b.toLowerCase().replace(/\s+/g, ' ');
  const ia = infinitySign(a);
  const ib = infinitySign(b);
  if (ia !== undefined || ib !== undefined) return ia === ib;
  const x = numericValue(a);
  const y = numericValue(b);
  if (x !== undefined && y !== undefined) {
    if (close(x, y, tolerance, tolerance)) return true;
    // A percent on one side only: "72%" answers "72" (MATH's own check drops \%), and 0.72 answers 72%.
    const pa = a.trim().endsWith('%');
    const pb = b.trim().endsWith('%');
    if (pa !== pb) {
      const bare = numericValue((pa ? a : b).replace(/%\s*$/, ''));
      const other = pa ? y : x;
      return bare !== undefined && close(bare, other, tolerance, tolerance);
    }
    return false;
  }
  const ra = RELATION.exec(a);
  const rb = RELATION.exec(b);
  if (ra !== null || rb !== null) {
    if (ra === null || rb === null) return false;
    const [, la, opA, ra2] = ra as unknown as [string, string, string, string];
    const [, lb, opB, rb2] = rb as unknown as [string, string, string, string];
    if (opA === opB && scalarEqual(la.trim(), lb.trim(), tolerance) && scalarEqual(ra2.trim(), rb2.trim(), tolerance)) return true;
    return FLIP[opA] === opB && scalarEqual(la.trim(), rb2.trim(), tolerance) && scalarEqual(ra2.trim(), lb.trim(), tolerance);
  }
  const ea = parseExpression(a.replace(/\s+/g, ''));
  const eb = parseExpression(b.replace(/\s+/g, ''));
  if (ea !== undefined && eb !== undefined && (ea.variables.length > 0 || eb.variables.length > 0)) return numericallyEquivalent(ea, eb, tolerance);
  return false;
}

interface Bracketed {
  readonly open: string;
  readonly close: string;
  readonly items: string[];
}

/** `(a, b]`, `[1,2,3]`, `{1, 3}` — or undefined when the text is not one bracketed list. */
function bracketed(text: string): Bracketed | undefined {
  const open = text[0];
  const closing = text[text.length - 1];
  if (open === undefined || closing === undefined || !'([{'.includes(open) || !')]}'.includes(closing)) return undefined;
  // The outer brackets must enclose everything: "(1)(2)" is not a list.
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if ('([{'.includes(text[i] as string)) depth++;
    if (')]}'.includes(text[i] as string)) depth--;
    if (depth === 0 && i < text.length - 1) return undefined;
  }
  return { open, close: closing, items: splitTopLevel(text.slice(1, -1), ',') };
}

function listsEqual(p: readonly string[], r: readonly string[], ordered: boolean, tolerance: number): boolean {
  if (p.length !== r.length) return false;
  if (p.every((x, i) => scalarEqual(x, r[i] as string, tolerance))) return true;
  if (ordered) return false;
  const remaining = [...r];
  return p.every((x) => {
    const at = remaining.findIndex((y) => scalarEqual(x, y, tolerance));
    if (at === -1) return false;
    remaining.splice(at, 1);
    return true;
  });
}

function normalizedEqual(p: string, r: string, tolerance: number): boolean {
  if (scalarEqual(p, r, tolerance)) return true;
  // Unions of intervals: piece by piece, in order.
  const pu = splitTopLevel(p, ' U ');
  const ru = splitTopLevel(r, ' U ');
  if (pu.length > 1 || ru.length > 1) return pu.length === ru.length && pu.every((x, i) => normalizedEqual(x, ru[i] as string, tolerance));
  const pb = bracketed(p);
  const rb = bracketed(r);
  if (pb !== undefined && rb !== undefined) {
    // Brackets carry meaning: (2,5] is not [2,5), a point (1,2) is not an interval [1,2].
    if (pb.open !== rb.open || pb.close !== rb.close) return false;
    return listsEqual(pb.items, rb.items, rb.open !== '{', tolerance);
  }
  if (pb !== undefined || rb !== undefined) {
    // "1, 3" answers "\{1, 3\}" (a set written without braces); tuples and intervals need their brackets.
    const set = pb ?? rb;
    const bare = pb === undefined ? p : r;
    if (set?.open !== '{') return false;
    return listsEqual(splitTopLevel(bare, ','), set.items, false, tolerance);
  }
  const pp = splitTopLevel(p, ',');
  const rr = splitTopLevel(r, ',');
  // A bare comma list (the solutions of an equation) compares as a multiset.
  return rr.length > 1 && listsEqual(pp, rr, false, tolerance);
}

/**
 * Strict math answer equivalence: LaTeX normalisation, numeric tolerance, fractions, percents, pi
 * and roots, tuples (ordered), sets and bare lists (unordered), intervals (brackets must match),
 * inequalities (direction matters), and a numeric-identity check for expressions with variables.
 */
export function mathEqual(prediction: string, reference: string, options: MathOptions = {}): boolean {
  const tolerance = options.tolerance ?? 1e-6;
  const rawP = prediction.trim();
  const rawR = reference.trim();
  if (rawP === '' || rawR === '') return false;
  return normalizedEqual(normalizeMath(rawP, options), normalizeMath(rawR, options), tolerance);
}
