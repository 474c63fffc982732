import { describe, expect, it } from 'vitest';
import { CanvasEnv, TemplatePolicy, WORKFLOW_TEMPLATES, runEpisode, templateForType, type CanvasTask } from '../src/index.js';

const TASKS: Readonly<Record<string, CanvasTask>> = {
  math: { problem: 'What is 6*7?', type: 'math' },
  code: { problem: 'Write add(a, b) returning the sum.', type: 'code', entryPoint: 'add', test: 'assert add(1, 2) == 3' },
  qa: { problem: 'Who wrote Hamlet?', type: 'qa' },
  reasoning: { problem: 'Is 7 prime?', type: 'reasoning' },
  mc: { problem: 'Which is even? A) 1 B) 2 C) 3', type: 'mc' },
};

/** Which task types each template is meant for (the others may legitimately not finish: e.g. no Test for code). */
const MEANT_FOR: Readonly<Record<string, readonly string[]>> = {
  cot: ['math', 'qa', 'reasoning', 'mc'],
  'self-consistency': ['math', 'qa', 'reasoning', 'mc'],
  'plan-program-verify': ['math', 'qa', 'reasoning'],
  'program-test': ['code', 'math'],
  'parallel-aggregate': ['math', 'qa', 'reasoning'],
  'code-check': ['code'],
};

async function finishes(template: string, task: CanvasTask) {
  // The default canvas: 5 operators, a checker and a structure are required to finish.
  const env = new CanvasEnv();
  const { finished } = await runEpisode(env, TemplatePolicy.named(template), task);
  return { finished, forced: env.state.forcedFinish, rejectedFinishes: env.state.history.filter((h) => h.action?.type === 'finish' && !h.accepted).length };
}

describe('workflow templates under the default finish rules', () => {
  it('covers every template', () => {
    expect(Object.keys(MEANT_FOR).sort()).toEqual(Object.keys(WORKFLOW_TEMPLATES).sort());
  });

  for (const [template, types] of Object.entries(MEANT_FOR)) {
    for (const type of types) {
      it(`${template} finishes a ${type} task on its first finish`, async () => {
        expect(await finishes(template, TASKS[type] as CanvasTask)).toEqual({ finished: true, forced: false, rejectedFinishes: 0 });
      });
    }
  }

  for (const type of Object.keys(TASKS)) {
    it(`template:auto finishes a ${type} task`, async () => {
      expect(await finishes(templateForType(type), TASKS[type] as CanvasTask)).toEqual({ finished: true, forced: false, rejectedFinishes: 0 });
    });
  }
});
