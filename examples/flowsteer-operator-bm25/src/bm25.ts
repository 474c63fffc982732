/** A passage of a document: the unit that is indexed and returned. */
export interface Passage {
  /** File path relative to the documents folder. */
  readonly source: string;
  /** Index of the passage within its file. */
  readonly index: number;
  readonly text: string;
}

export interface Hit {
  readonly passage: Passage;
  readonly score: number;
}

export interface Bm25Parameters {
  /** Term-frequency saturation. */
  readonly k1: number;
  /** Length normalisation (0 = none, 1 = full). */
  readonly b: number;
}

export const DEFAULT_BM25: Bm25Parameters = { k1: 1.2, b: 0.75 };

/** Common English words that carry no retrieval signal. */
const STOPWORDS = new Set(
  'a an and are as at be but by for from has have he her his how i if in into is it its of on or our she so that the their them then there these they this to was we were what when where which who whom why will with you your does did do than'.split(' '),
);

/** Lowercased word and number tokens without stopwords; Unicode letters count as word characters. */
export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((token) => !STOPWORDS.has(token));
}

/** Splits a document into passages at blank lines, packing short paragraphs up to `maxChars`. */
export function splitPassages(source: string, text: string, maxChars = 800): Passage[] {
  const paragraphs = text.split(/\n\s*\n/).map((p) => p.replace(/\s+/g, ' ').trim()).filter(Boolean);
  const passages: string[] = [];
  let current = '';
  for (const paragraph of paragraphs) {
    for (let start = 0; start < paragraph.length; start += maxChars) {
      const piece = paragraph.slice(start, start + maxChars);
      if (current !== '' && current.length + 1 + piece.length > maxChars) {
        passages.push(current);
        current = '';
      }
      current = current === '' ? piece : `${current} ${piece}`;
    }
  }
  if (current !== '') passages.push(current);
  return passages.map((passage, index) => ({ source, index, text: passage }));
}

/**
 * Okapi BM25 over a fixed set of passages. idf uses the non-negative form
 * ln(1 + (N − df + 0.5) / (df + 0.5)), so a term in every passage scores near zero, never below.
 */
export class Bm25Index {
  readonly passages: readonly Passage[];
  readonly #params: Bm25Parameters;
  readonly #termFrequencies: ReadonlyArray<ReadonlyMap<string, number>>;
  readonly #lengths: readonly number[];
  readonly #documentFrequency = new Map<string, number>();
  readonly #averageLength: number;

  constructor(passages: readonly Passage[], params: Bm25Parameters = DEFAULT_BM25) {
    this.passages = passages;
    this.#params = params;
    this.#termFrequencies = passages.map((passage) => {
      const counts = new Map<string, number>();
      for (const token of tokenize(passage.text)) counts.set(token, (counts.get(token) ?? 0) + 1);
      return counts;
    });
    this.#lengths = this.#termFrequencies.map((counts) => [...counts.values()].reduce((sum, n) => sum + n, 0));
    for (const counts of this.#termFrequencies) for (const term of counts.keys()) this.#documentFrequency.set(term, (this.#documentFrequency.get(term) ?? 0) + 1);
    this.#averageLength = this.#lengths.reduce((sum, n) => sum + n, 0) / Math.max(1, passages.length);
  }

  idf(term: string): number {
    const df = this.#documentFrequency.get(term) ?? 0;
    return Math.log(1 + (this.passages.length - df + 0.5) / (df + 0.5));
  }

  score(query: string, passageIndex: number): number {
    const counts = this.#termFrequencies[passageIndex];
    const length = this.#lengths[passageIndex] ?? 0;
    if (counts === undefined) return 0;
    const { k1, b } = this.#params;
    let total = 0;
    for (const term of new Set(tokenize(query))) {
      const tf = counts.get(term) ?? 0;
      if (tf === 0) continue;
      total += (this.idf(term) * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * length) / (this.#averageLength || 1)));
    }
    return total;
  }

  /** The `k` best passages with a positive score, best first; ties keep document order. */
  search(query: string, k: number): Hit[] {
    return this.passages
      .map((passage, i) => ({ passage, score: this.score(query, i) }))
      .filter((hit) => hit.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }
}
