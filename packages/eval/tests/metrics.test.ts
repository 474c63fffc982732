import { describe, expect, it } from 'vitest';
import { exactMatch, extractChoice, extractMathAnswer, extractQaAnswer, mathEqual, multipleChoiceCorrect, normalizeAnswer, numericValue, setTokenF1, tokenF1 } from '../src/index.js';

// [prediction, reference, equal?]
const mathCases: Array<[string, string, boolean]> = [
  ['42', '42', true],
  ['42.0', '42', true],
  ['42.000001', '42', true],
  ['42.01', '42', false],
  ['0.5', '\\frac{1}{2}', true],
  ['1/2', '\\frac{1}{2}', true],
  ['\\dfrac{3}{4}', '0.75', true],
  ['\\tfrac12', '0.5', true],
  ['-\\frac{1}{3}', '-1/3', true],
  ['0.3333', '1/3', false],
  ['50\\%', '0.5', true],
  ['50%', '50\\%', true],
  ['\\$1,234', '1234', true],
  ['1,000,000', '1000000', true],
  ['3 dollars', '3', true],
  ['12 meters', '12', true],
  ['90^\\circ', '90', true],
  ['90 degrees', '90', true],
  ['x = 5', '5', true],
  ['\\boxed{7}', '7', false],
  ['2\\sqrt{2}', '\\sqrt{8}', true],
  ['\\sqrt{2}/2', '\\frac{\\sqrt{2}}{2}', true],
  ['\\pi', '3.14159265', true],
  ['2\\pi', '6.283185307', true],
  ['\\frac{\\pi}{2}', 'pi/2', true],
  ['(1, 2)', '(1,2)', true],
  ['(2, 1)', '(1, 2)', false],
  ['3, 1', '1, 3', true],
  ['\\{1, 3\\}', '\\{3, 1\\}', true],
  ['[1, 2, 3]', '[1,2,3]', true],
  ['2x + 2', '2(x + 1)', true],
  ['x^2 - 1', '(x - 1)(x + 1)', true],
  ['x^2 + 1', '(x + 1)^2', false],
  ['\\frac{x}{2}', '0.5x', true],
  ['a + b', 'b + a', true],
  ['yes', 'yes', true],
  ['Yes', 'yes', true],
  ['\\text{(B)}', '(B)', true],
  ['2^{10}', '1024', true],
  ['1e3', '1000', true],
  ['-7', '7', false],
  ['', '0', false],
  ['\\left( 3, 4 \\right)', '(3, 4)', true],
  ['10 \\text{ cm}', '10', true],
  ['4\\cdot 3', '12', true],
];

describe('math equivalence', () => {
  it.each(mathCases)('%j vs %j → %s', (prediction, reference, equal) => {
    expect(mathEqual(prediction, reference)).toBe(equal);
  });

  it('keeps trailing letters that are not units (the reference turned "yes" into "ye")', () => {
    expect(mathEqual('yes', 'ye')).toBe(false);
    expect(mathEqual('yes', 'ye', { unitLetterStrip: true })).toBe(true);
    expect(mathEqual('5m', '5', { unitLetterStrip: true })).toBe(true);
  });

  it('extracts the committed answer from a solution', () => {
    expect(extractMathAnswer('So the total is \\boxed{\\frac{3}{4}}.')).toBe('\\frac{3}{4}');
    expect(extractMathAnswer('Nested \\boxed{\\sqrt{\\frac{1}{2}}} done')).toBe('\\sqrt{\\frac{1}{2}}');
    expect(extractMathAnswer('Work...\n#### 72')).toBe('72');
    expect(extractMathAnswer('Thus the final answer is $18$.')).toBe('18');
    expect(extractMathAnswer('The answer is 3.5 kg.')).toBe('3.5');
    expect(extractMathAnswer('First 2 apples, then 3 more, so 5 in total over many steps\nwith a second line')).toBe('5');
    expect(extractMathAnswer('<answer>12</answer>')).toBe('12');
    expect(extractMathAnswer('42')).toBe('42');
    expect(numericValue('3(1)/(2)')).toBe(3.5);
  });
});

// [prediction, gold, EM, F1]
const qaCases: Array<[string, string, number, number]> = [
  ['Paris', 'paris', 1, 1],
  ['The Paris', 'Paris', 1, 1],
  ['Paris.', 'Paris', 1, 1],
  ['Paris, France', 'Paris', 0, 2 / 3],
  ['paris france', 'France', 0, 2 / 3],
  ['New York City', 'New York', 0, 0.8],
  ['NYC', 'New York|NYC', 1, 1],
  ['New York', 'New York|NYC', 1, 1],
  ['cat cat', 'cat cat', 1, 1],
  ['cat', 'cat cat', 0, 2 / 3],
  ['the cat sat', 'cat', 0, 2 / 3],
  ['a', 'a', 1, 1],
  ['', '', 1, 1],
  ['', 'Paris', 0, 0],
  ['Paris', '', 0, 0],
  ['William Shakespeare', 'Shakespeare', 0, 2 / 3],
  ['Shakespeare', 'William Shakespeare', 0, 2 / 3],
  ['1990', '1990', 1, 1],
  ['in 1990', '1990', 0, 2 / 3],
  ['December 25, 1990', '25 December 1990', 0, 1],
  ['Obama', 'Barack Obama', 0, 2 / 3],
  ['barack  obama', 'Barack Obama', 1, 1],
  ["O'Neill", 'ONeill', 1, 1],
  ['U.S.A.', 'USA', 1, 1],
  ['the United States', 'United States of America', 0, 2 / 3],
  ['red and blue', 'blue and red', 0, 1],
  ['42', 'forty-two', 0, 0],
  ['Mount Everest', 'Everest', 0, 2 / 3],
  ['an apple', 'apple', 1, 1],
  ['Apple Inc.', 'Apple', 0, 2 / 3],
  ['unanswerable', 'unanswerable', 1, 1],
  ['no', 'yes', 0, 0],
  ['Yes', 'yes', 1, 1],
  ['The Beatles', 'Beatles', 1, 1],
  ['Greece', 'France', 0, 0],
  ['France', 'France|French Republic', 1, 1],
  ['1,000', '1000', 1, 1],
  ['Dr. Who', 'Doctor Who', 0, 0.5],
  ['Lake Superior', 'superior lake', 0, 1],
  ['the the the', 'the', 1, 1],
];

describe('QA exact match and token F1 (SQuAD normalisation)', () => {
  it.each(qaCases)('%j vs %j → EM %s, F1 %s', (prediction, gold, em, f1) => {
    expect(exactMatch(prediction, gold)).toBe(em);
    expect(tokenF1(prediction, gold)).toBeCloseTo(f1, 10);
  });

  it('normalises like SQuAD and strips answer labels', () => {
    expect(normalizeAnswer('  The  "Quick", brown fox! ')).toBe('quick brown fox');
    expect(extractQaAnswer('Answer: Paris')).toBe('Paris');
    expect(extractQaAnswer('<thought>x</thought><answer> Lyon </answer>')).toBe('Lyon');
    expect(setTokenF1('cat cat', 'cat cat')).toBe(0.5);
    expect(tokenF1(['a b'].join(''), ['x', 'a b'])).toBe(1);
  });
});

// [prediction, gold letter, correct?]
const mcCases: Array<[string, string, boolean]> = [
  ['B', 'B', true],
  ['b', 'B', true],
  ['(C)', 'C', true],
  ['C)', 'C', true],
  ['C.', 'C', true],
  ['c) 42', 'C', true],
  ['D: 17 apples', 'D', true],
  ['The answer is B', 'B', true],
  ['the answer is (e)', 'E', true],
  ['Answer: A', 'A', true],
  ['Option D', 'D', true],
  ['option (b)', 'B', true],
  ['choice C', 'C', true],
  ['<answer>A</answer>', 'A', true],
  ['I think (d) fits best', 'D', true],
  ['France', 'E', false],
  ['Greece', 'E', false],
  ['The value is 42', 'A', false],
  ['unanswerable', 'E', false],
  ['Obama', 'A', false],
  ['', 'A', false],
  ['F', 'F', false],
  ['B', 'C', false],
  ['(a)', 'A', true],
  ['A.', 'a', true],
  ['answer is c', 'C', true],
  ['I choose to stay home', 'A', false],
  ['e', 'E', true],
  ['E)', 'E', true],
  ['(B) 12', 'B', true],
  ['B. 12 km', 'B', true],
  ['Answer: (D)', 'D', true],
  ['It is a. Done', 'A', false],
  ['abcde', 'A', false],
  ['Because the sum is 10', 'B', false],
  ['The correct choice: B', 'B', true],
  ['answer: e', 'E', true],
  ['D', 'd', true],
  ['(E)', 'E', true],
  ['C', 'C)', true],
];

describe('multiple-choice letters', () => {
  it.each(mcCases)('%j vs %j → %s', (prediction, gold, correct) => {
    expect(multipleChoiceCorrect(prediction, gold)).toBe(correct);
  });

  it('never reads a word ending in a–e as a letter (reference bug 13.1)', () => {
    for (const word of ['France', 'Greece', 'Obama', 'The', 'unanswerable', 'Mike']) expect(extractChoice(word)).toBeUndefined();
  });
});

describe('metric modes', () => {
  it('refuses the reference mode for training rewards', async () => {
    const { assertTrainingMode, describeMode } = await import('../src/index.js');
    expect(() => assertTrainingMode('reference')).toThrow(/cannot score training rewards/);
    expect(() => assertTrainingMode('strict')).not.toThrow();
    expect(() => assertTrainingMode('official')).not.toThrow();
    expect(describeMode('reference')).toContain('eval_only.py');
  });
});
