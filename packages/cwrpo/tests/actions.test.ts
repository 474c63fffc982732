import { describe, expect, it } from 'vitest';
import { ACTIONS, FINISH_ACTION, validMask, type CanvasFeatures } from '../src/index.js';

const state = (overrides: Partial<CanvasFeatures> = {}): CanvasFeatures => ({
  taskType: 'math',
  operators: [],
  hasParallel: false,
  hasConditional: false,
  hasLoop: false,
  round: 0,
  maxRounds: 20,
  finishAllowed: false,
  ...overrides,
});

const allowed = (features: CanvasFeatures): string[] => {
  const mask = validMask(features);
  return ACTIONS.filter((_, i) => (mask[i] as number) > 0).map((a) => a.name);
};

describe('the local policy action mask', () => {
  it('offers Test, alone or in a repair conditional, only on code tasks', () => {
    for (const taskType of ['math', 'qa', 'reasoning']) {
      expect(allowed(state({ taskType })).filter((name) => name.includes('Test'))).toEqual([]);
    }
    expect(allowed(state({ taskType: 'code' }))).toEqual(expect.arrayContaining(['add Test', 'conditional Test ? Programmer : done']));
  });

  it('never adds an operator right after itself, but allows it again later', () => {
    expect(allowed(state({ operators: ['Programmer', 'Format'] }))).not.toContain('add Format');
    expect(allowed(state({ operators: ['Format', 'Programmer'] }))).toContain('add Format');
    expect(allowed(state({ operators: ['Custom'] }))).toContain('parallel [Custom, AnswerGenerate]');
  });

  it('finishes only when the canvas allows it, and always leaves some action', () => {
    expect(validMask(state())[FINISH_ACTION]).toBe(0);
    expect(validMask(state({ finishAllowed: true }))[FINISH_ACTION]).toBe(1);
    const full = state({ operators: Array.from({ length: 14 }, (_, i) => (i % 2 === 0 ? 'Custom' : 'Verify')) });
    expect(allowed(full)).toEqual(['finish']);
  });
});
