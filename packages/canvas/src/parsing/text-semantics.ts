/**
 * Which regular-expression semantics the text parsers follow. `ecmascript` (the default) is what
 * JavaScript regexes without the `u` flag do: ASCII case folding, ASCII `\d` and `\b`. `python`
 * reproduces Python's `re` on `str`, which the reference relies on: `\b`/`\w` treat every Unicode
 * letter and digit as a word character, `\d` matches any decimal digit (and `int()` reads it),
 * `\s`/`str.strip()` use Python's whitespace set, and IGNORECASE folds `ſ`, `ı`, `İ` and the Kelvin
 * sign onto ASCII letters.
 */
export type RegexSemantics = 'ecmascript' | 'python';

export interface TextSemantics {
  readonly name: RegexSemantics;
  /** Length-preserving case fold used to find tag names and keywords. */
  fold(text: string): string;
  isSpace(code: number): boolean;
  /** The value of a decimal digit, or -1. */
  digitValue(text: string, index: number): number;
  /** Trim per the dialect (`String.prototype.trim` or Python `str.strip`). */
  trim(text: string): string;
  /** A regex source for `\b` before and after a literal made of word characters (see `wordLiteral`). */
  readonly wordBoundaryBefore: string;
  readonly wordBoundaryAfter: string;
  /** A regex source for one whitespace character. */
  readonly space: string;
  /** Flags for regexes built from the sources above. */
  readonly flags: string;
}

const ASCII_UPPER = /[A-Z]/g;
const NON_ASCII = /[^\x00-\x7f]/;
const PYTHON_FOLDED = /[A-Z\u0130\u0131\u017f\u212a]/g;
const PYTHON_FOLD: Readonly<Record<string, string>> = { '\u0130': 'i', '\u0131': 'i', '\u017f': 's', '\u212a': 'k' };

function jsSpace(code: number): boolean {
  return (
    code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff
  );
}

/** `str.isspace()` for one code unit (all Python whitespace is in the BMP). */
function pySpace(code: number): boolean {
  return (
    code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f) || code === 0x85 || code === 0xa0 || code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000
  );
}

function trimWith(text: string, isSpace: (code: number) => boolean): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

const UNICODE_DIGIT = /\p{Nd}/u;

/** Unicode decimal digits come in runs of ten starting at zero; the value is the offset in the run. */
function unicodeDigitValue(text: string, index: number): number {
  const code = text.codePointAt(index);
  if (code === undefined) return -1;
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code < 0x80) return -1;
  const char = String.fromCodePoint(code);
  if (!UNICODE_DIGIT.test(char)) return -1;
  let zero = code;
  while (zero > 0 && UNICODE_DIGIT.test(String.fromCodePoint(zero - 1))) zero--;
  return (code - zero) % 10;
}

export const ECMASCRIPT_SEMANTICS: TextSemantics = {
  name: 'ecmascript',
  // Native lower-casing is length-preserving on ASCII; other text folds A-Z only.
  fold: (text) => (NON_ASCII.test(text) ? text.replace(ASCII_UPPER, (c) => c.toLowerCase()) : text.toLowerCase()),
  isSpace: jsSpace,
  digitValue: (text, index) => {
    const code = text.charCodeAt(index);
    return code >= 0x30 && code <= 0x39 ? code - 0x30 : -1;
  },
  trim: (text) => text.trim(),
  wordBoundaryBefore: '\\b',
  wordBoundaryAfter: '\\b',
  space: '\\s',
  flags: '',
};

export const PYTHON_SEMANTICS: TextSemantics = {
  name: 'python',
  fold: (text) => (NON_ASCII.test(text) ? text.replace(PYTHON_FOLDED, (c) => PYTHON_FOLD[c] ?? c.toLowerCase()) : text.toLowerCase()),
  isSpace: pySpace,
  digitValue: unicodeDigitValue,
  trim: (text) => trimWith(text, pySpace),
  wordBoundaryBefore: '(?<![\\p{L}\\p{N}_])',
  wordBoundaryAfter: '(?![\\p{L}\\p{N}_])',
  space: '[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]',
  flags: 'u',
};

/**
 * Regex source for `\b` + literal, for a literal that starts with a word character. Under Python
 * semantics the boundary is a lookbehind placed after the first character, so the engine can scan
 * for that character instead of testing the lookbehind at every position.
 */
export function wordLiteral(semantics: TextSemantics, literal: string): string {
  if (semantics.name === 'ecmascript') return `\\b${literal}`;
  const first = literal.slice(0, 1);
  return `${first}(?<![\\p{L}\\p{N}_]${first})${literal.slice(1)}`;
}

export function textSemantics(name: RegexSemantics = 'ecmascript'): TextSemantics {
  return name === 'python' ? PYTHON_SEMANTICS : ECMASCRIPT_SEMANTICS;
}
