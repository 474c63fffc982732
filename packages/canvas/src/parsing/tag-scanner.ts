/**
 * Linear-time extraction of the action language's tags. Each method reproduces the first match of
 * one reference regex (`[<\[]name[>\]]\s*CONTENT\s*[<\[]/name[>\]]`, case-insensitive), but scans
 * forward only: every character is looked at a bounded number of times, so hostile inputs (long
 * whitespace runs, unclosed or repeated partial tags) cost no more than ordinary ones.
 */
import { ECMASCRIPT_SEMANTICS, type TextSemantics } from './text-semantics.js';

export interface TagMatch {
  readonly value: string;
  /** Where the opening tag starts and the closing tag ends. */
  readonly start: number;
  readonly end: number;
}

const isOpenBracket = (code: number): boolean => code === 0x3c /* < */ || code === 0x5b; /* [ */
const isCloseBracket = (code: number): boolean => code === 0x3e /* > */ || code === 0x5d; /* ] */

export class TagScanner {
  readonly text: string;
  readonly semantics: TextSemantics;
  /** `text` case-folded, same length, so indices agree. */
  readonly #folded: string;

  constructor(text: string, semantics: TextSemantics = ECMASCRIPT_SEMANTICS) {
    this.text = text;
    this.semantics = semantics;
    this.#folded = semantics.fold(text);
  }

  /** The next `[<\[]name[>\]]` (or its closing form) at or after `from`: [start, end). */
  findTag(name: string, from: number, closing = false): [number, number] | undefined {
    const needle = closing ? `/${name}` : name;
    const folded = this.#folded;
    for (let at = folded.indexOf(needle, from + 1); at >= 1; at = folded.indexOf(needle, at + 1)) {
      const start = at - 1;
      if (start < from) continue;
      const after = at + needle.length;
      if (isOpenBracket(folded.charCodeAt(start)) && isCloseBracket(folded.charCodeAt(after))) return [start, after + 1];
    }
    return undefined;
  }

  /** The last closing tag of `name` that ends within [from, to). */
  lastClose(name: string, from: number, to: number): number | undefined {
    let end: number | undefined;
    for (let tag = this.findTag(name, from, true); tag !== undefined && tag[1] <= to; tag = this.findTag(name, tag[1], true)) end = tag[1];
    return end;
  }

  /** `\s*([^<\[\]]+?)\s*` between tags: names and name lists. The value is trimmed and may be empty. */
  name(name: string): TagMatch | undefined {
    const text = this.text;
    for (let open = this.findTag(name, 0); open !== undefined; open = this.findTag(name, open[1])) {
      let stop = open[1];
      while (stop < text.length && !isStopChar(text.charCodeAt(stop))) stop++;
      if (stop === open[1]) continue;
      const close = this.#closeAt(name, stop);
      if (close !== undefined) return { value: this.semantics.trim(text.slice(open[1], stop)), start: open[0], end: close };
    }
    return undefined;
  }

  /** `\s*(\d+)\s*` between tags, as a number. */
  integer(name: string): (TagMatch & { readonly number: number }) | undefined {
    const text = this.text;
    for (let open = this.findTag(name, 0); open !== undefined; open = this.findTag(name, open[1])) {
      let at = this.#skipSpace(open[1]);
      let value = 0;
      let digits = 0;
      for (;;) {
        const digit = this.semantics.digitValue(text, at);
        if (digit < 0) break;
        value = value * 10 + digit;
        digits++;
        at += text.charCodeAt(at) >= 0xd800 && text.charCodeAt(at) <= 0xdbff ? 2 : 1;
      }
      if (digits === 0) continue;
      const close = this.#closeAt(name, this.#skipSpace(at));
      if (close !== undefined) return { value: text.slice(open[1], at).trim(), number: value, start: open[0], end: close };
    }
    return undefined;
  }

  /** `\s*(kw1|kw2|…)\s*` between tags; returns the keyword as written in `keywords`. */
  keyword(name: string, keywords: readonly string[]): TagMatch | undefined {
    const folded = this.#folded;
    for (let open = this.findTag(name, 0); open !== undefined; open = this.findTag(name, open[1])) {
      const at = this.#skipSpace(open[1]);
      let keyword: string | undefined;
      for (const candidate of keywords) {
        if (folded.startsWith(candidate, at)) {
          keyword = candidate;
          break;
        }
      }
      if (keyword === undefined) continue;
      const close = this.#closeAt(name, this.#skipSpace(at + keyword.length));
      if (close !== undefined) return { value: keyword, start: open[0], end: close };
    }
    return undefined;
  }

  /** `([\s\S]*?)` between tags: free text up to the first closing tag after the first opening tag. */
  freeText(name: string): TagMatch | undefined {
    const open = this.findTag(name, 0);
    if (open === undefined) return undefined;
    const close = this.findTag(name, open[1], true);
    if (close === undefined) return undefined;
    return { value: this.semantics.trim(this.text.slice(open[1], close[0])), start: open[0], end: close[1] };
  }

  #skipSpace(from: number): number {
    let at = from;
    while (at < this.text.length && this.semantics.isSpace(this.text.charCodeAt(at))) at++;
    return at;
  }

  #closeAt(name: string, at: number): number | undefined {
    const folded = this.#folded;
    if (!isOpenBracket(folded.charCodeAt(at)) || folded.charCodeAt(at + 1) !== 0x2f /* / */) return undefined;
    if (!folded.startsWith(name, at + 2) || !isCloseBracket(folded.charCodeAt(at + 2 + name.length))) return undefined;
    return at + 3 + name.length;
  }
}

function isStopChar(code: number): boolean {
  return code === 0x3c || code === 0x5b || code === 0x5d;
}

/**
 * True when `text` cannot contain `open`, folded or not: its first character is not a letter
 * (folding leaves it alone) and does not occur in `text`. Saves folding a whole text to find nothing.
 */
function absentMarker(text: string, open: string): boolean {
  const first = open.charCodeAt(0);
  const letter = (first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a) || first > 0x7f;
  return !letter && !text.includes(open.charAt(0));
}

/**
 * Removes every `open … close` block, non-greedy, left to right (the reference's
 * `re.sub(open + '.*?' + close, '', text, flags=DOTALL)`), in one pass. `foldCase` matches the
 * markers case-insensitively (ASCII).
 */
export function removeBlocks(text: string, open: string, close: string, foldCase = false): string {
  if (absentMarker(text, open)) return text;
  const spans = blockSpans(foldCase ? ECMASCRIPT_SEMANTICS.fold(text) : text, open, close);
  return spans.length === 0 ? text : cutSpans(text, spans);
}

/**
 * `removeBlocks(text, open, close, true)` on a text and its fold (`folded`, as
 * `ECMASCRIPT_SEMANTICS.fold` gives it: the same length, character for character) together, so a
 * caller that removes several kinds of block folds the text once.
 */
export function removeFoldedBlocks(text: string, folded: string, open: string, close: string): [string, string] {
  const spans = blockSpans(folded, open, close);
  return spans.length === 0 ? [text, folded] : [cutSpans(text, spans), cutSpans(folded, spans)];
}

/** Start and end offsets of each non-overlapping `open … close` block in `haystack`, in one pass. */
function blockSpans(haystack: string, open: string, close: string): number[] {
  const spans: number[] = [];
  let from = 0;
  for (;;) {
    const start = haystack.indexOf(open, from);
    if (start < 0) break;
    const stop = haystack.indexOf(close, start + open.length);
    // No closing marker after this opening one: none after any later opening one either.
    if (stop < 0) break;
    from = stop + close.length;
    spans.push(start, from);
  }
  return spans;
}

/** `text` without the spans `blockSpans` found. */
function cutSpans(text: string, spans: readonly number[]): string {
  const parts: string[] = [];
  let kept = 0;
  for (let i = 0; i < spans.length; i += 2) {
    parts.push(text.slice(kept, spans[i]));
    kept = spans[i + 1] as number;
  }
  parts.push(text.slice(kept));
  return parts.join('');
}

/** The first `open … close` block's inner text (non-greedy), or undefined. */
export function firstBlock(text: string, open: string, close: string, foldCase = false): { inner: string; start: number; end: number } | undefined {
  if (absentMarker(text, open)) return undefined;
  const haystack = foldCase ? ECMASCRIPT_SEMANTICS.fold(text) : text;
  const start = haystack.indexOf(open);
  if (start < 0) return undefined;
  const stop = haystack.indexOf(close, start + open.length);
  if (stop < 0) return undefined;
  return { inner: text.slice(start + open.length, stop), start, end: stop + close.length };
}
