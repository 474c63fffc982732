import { describe, expect, it } from 'vitest';
import { cleanAnswer, numericConsensus, parseBoolean, parseLetter, parseNumberedList, xmlFields } from '../src/index.js';

describe('output parsing', () => {
  it('xmlFields keeps the first occurrence, lower-cases names, trims contents', () => {
    expect(xmlFields('<Answer> 1 </Answer><answer>2</answer><thought>\nmulti\nline\n</thought>')).toEqual({ answer: '1', thought: 'multi\nline' });
    expect(xmlFields('no tags')).toEqual({});
    expect(xmlFields('<a>unclosed')).toEqual({});
  });

  it('parseBoolean', () => {
    expect(['true', 'Yes', '1', 'correct.', 'PASS'].map(parseBoolean)).toEqual([true, true, true, true, true]);
    expect(['false', 'No', '0', 'incorrect', 'failed'].map(parseBoolean)).toEqual([false, false, false, false, false]);
    expect([undefined, 'maybe', ''].map(parseBoolean)).toEqual([undefined, undefined, undefined]);
  });

  it('parseLetter reads fields, bare letters and the last standalone capital in range', () => {
    expect(parseLetter('B', 3)).toBe(1);
    expect(parseLetter('(c).', 3)).toBe(2);
    expect(parseLetter('I pick C.', 3)).toBe(2);
    expect(parseLetter('<thought>A is wrong</thought><solution_letter>b</solution_letter>', 3)).toBe(1);
    expect(parseLetter('Z', 3)).toBeUndefined();
    expect(parseLetter('none of them', 3)).toBeUndefined();
    expect(parseLetter('<solution_letter>?</solution_letter>', 3)).toBeUndefined();
  });

  it('parseNumberedList', () => {
    expect(parseNumberedList('Step 1: Read.\nmore detail\nStep 2) Compute 3.5 * 2\n3. Answer\nFinal Step: done')).toEqual(['Read. more detail', 'Compute 3.5 * 2', 'Answer Final Step: done']);
    expect(parseNumberedList('preamble only')).toEqual([]);
  });

  it('numericConsensus', () => {
    expect(numericConsensus(['42', '42', '42'])).toEqual({ value: '42', votes: 3, total: 3 });
    expect(numericConsensus(['42', '41', '42'])).toEqual({ value: '42', votes: 2, total: 3 });
    expect(numericConsensus(['42', '41'])).toBeUndefined();
    expect(numericConsensus(['x', 'y'])).toBeUndefined();
    expect(numericConsensus(['42'])).toBeUndefined();
    expect(numericConsensus([' 3 ', '3.0', '3.0'])).toEqual({ value: '3', votes: 3, total: 3 });
  });

  it('cleanAnswer', () => {
    expect(cleanAnswer('Final answer: "42"')).toBe('42');
    expect(cleanAnswer('  `x + 1`  ')).toBe('x + 1');
    expect(cleanAnswer('Paris')).toBe('Paris');
  });
});
