import { describe, expect, it } from 'vitest';
import { Bm25Index, splitPassages, tokenize } from '../src/index.js';

describe('tokenize', () => {
  it('lowercases, keeps letters and digits of any script, drops stopwords', () => {
    expect(tokenize('What is the Tagus? Río 25 de Abril')).toEqual(['tagus', 'río', '25', 'de', 'abril']);
  });
});

describe('splitPassages', () => {
  it('splits at blank lines, packs short paragraphs and cuts long ones', () => {
    expect(splitPassages('a.md', 'one\n\ntwo\n\n\nthree', 9).map((p) => p.text)).toEqual(['one two', 'three']);
    expect(splitPassages('a.md', 'x'.repeat(25), 10).map((p) => p.text.length)).toEqual([10, 10, 5]);
    expect(splitPassages('a.md', '  \n\n ')).toEqual([]);
  });
});

describe('Bm25Index', () => {
  const passages = ['red apple', 'green apple pie', 'blue sky'].map((text, index) => ({ source: 'd.txt', index, text }));
  const index = new Bm25Index(passages);

  it('computes Okapi BM25 with the non-negative idf, checked by hand', () => {
    // "apple": N=3, df=2 → idf = ln(1 + 1.5/2.5); passage 0 has length 2, average 7/3.
    const idf = Math.log(1 + 1.5 / 2.5);
    const expected = (idf * 1 * 2.2) / (1 + 1.2 * (1 - 0.75 + (0.75 * 2) / (7 / 3)));
    expect(index.idf('apple')).toBeCloseTo(idf, 12);
    expect(index.score('apple', 0)).toBeCloseTo(expected, 12);
    expect(index.score('apple', 2)).toBe(0);
  });

  it('ranks the shorter passage first for the same term, rarer terms above common ones, and drops non-matches', () => {
    expect(index.search('apple', 5).map((h) => h.passage.index)).toEqual([0, 1]);
    expect(index.search('apple pie', 5)[0]?.passage.index).toBe(1);
    expect(index.search('volcano', 5)).toEqual([]);
    expect(index.search('apple', 1)).toHaveLength(1);
  });
});
