import { describe, expect, it } from 'vitest';
import {
  CanvasEnv,
  CanvasInputTooLargeError,
  REFERENCE_QUIRKS,
  parseAction,
  rolesFor,
  vocabularyFor,
  type CanvasExecutionRequest,
  type CanvasExecutionResult,
  type CanvasExecutor,
  REFERENCE_OPERATORS,
} from '../src/index.js';
import { parseDslReference } from '../src/reference/index.js';

const ops = REFERENCE_OPERATORS.map((o) => o.name);
const add = (op: string): string => `<action>add</action><operator>${op}</operator>`;
const conditional = (c: string, t: string, f = 'done'): string => `<action>add</action><structure>conditional</structure><condition>${c}</condition><true>${t}</true><false>${f}</false>`;

/** An executor whose answers are scripted per call: text, an empty result, a failure or a throw. */
class ScriptedExecutor implements CanvasExecutor {
  readonly calls: CanvasExecutionRequest[] = [];
  constructor(private readonly script: ReadonlyArray<CanvasExecutionResult | Error>) {}
  async execute(request: CanvasExecutionRequest): Promise<CanvasExecutionResult> {
    const next = this.script[Math.min(this.calls.length, this.script.length - 1)] as CanvasExecutionResult | Error;
    this.calls.push(request);
    if (next instanceof Error) throw next;
    return next;
  }
}

const ok = (output: string): CanvasExecutionResult => ({ success: true, output });
const failed = (output: string): CanvasExecutionResult => ({ success: false, output });

describe('the reference behaviour the policy sees', () => {
  it('shows the last error to the policy when it writes a conditional Programmer prompt after a failed run', async () => {
    const executor = new ScriptedExecutor([failed("Programmer (node_1) failed: NameError: name 'x' is not defined"), ok('42')]);
    const env = new CanvasEnv({ executor });
    env.reset({ problem: 'Compute 6×7 — 答えは？', type: 'math' });
    await env.step(add('Programmer'));
    await env.step('Write solve() returning 6*7.');
    const request = await env.step(conditional('Test', 'Programmer'));
    expect(request.feedback).not.toContain('[LAST_ERROR]'); // the condition (Test) comes first
    const programmerTurn = await env.step('Run the tests on the code.');
    expect(programmerTurn.feedback).toContain("[LAST_ERROR]: Programmer (node_1) failed: NameError: name 'x' is not defined");
    expect(programmerTurn.observation.text).toContain("[LAST_ERROR]: Programmer (node_1) failed: NameError: name 'x' is not defined");
    await env.step('Fix the code.');
    const repair = env.graph.prompts()['node_2_true'];
    expect(repair?.prompt).toMatch(/^\[PREVIOUS_ERROR\]: Programmer \(node_1\) failed: NameError/);
  });

  it('also when the executor threw (execution error text) and after a delete', async () => {
    const executor = new ScriptedExecutor([ok('1'), new Error('sandbox crashed: EXCEPTION in worker'), ok('3')]);
    const env = new CanvasEnv({ executor });
    env.reset({ problem: 'p', type: 'code' });
    await env.step(add('Custom'));
    await env.step('Say something useful.');
    await env.step(add('Programmer'));
    await env.step('Write the function.');
    await env.step('<action>delete</action><target>node_1</target>');
    await env.step(conditional('Test', 'Programmer'));
    const turn = await env.step('Run the tests.');
    // The delete re-ran the workflow successfully, so there is no error to show any more.
    expect(turn.feedback).not.toContain('[LAST_ERROR]');
  });

  it('reports an empty execution result as "No result returned." with no advice, and keeps the episode going', async () => {
    const executor = new ScriptedExecutor([ok(''), ok('')]);
    const env = new CanvasEnv({ executor });
    env.reset({ problem: 'Quelle est la capitale ? — Ünïcödé', type: 'qa' });
    await env.step(add('Custom'));
    const result = await env.step('Answer with the city.');
    expect(result.feedback).toContain('[EXECUTION]: No result returned.');
    expect(result.feedback).not.toContain('[EXECUTION RESULT]');
    expect(result.feedback).not.toContain('[NEXT]');
    expect(result.feedback).not.toContain('[BLOCK_FINISH]');
    const loop = await env.step('<action>add</action><structure>loop</structure><operators>Review, Revise</operators><count>2</count>');
    expect(loop.info.accepted).toBe(true);
  });

  it('an empty <answer> at finish shows the last result', async () => {
    const executor = new ScriptedExecutor([ok('Paris')]);
    const env = new CanvasEnv({ executor, minOperators: 1, requireChecker: false, requireStructure: false });
    env.reset({ problem: 'capital of France?', type: 'qa' });
    await env.step(add('Custom'));
    await env.step('Answer with the city.');
    const finish = await env.step('<action>finish</action><answer>  </answer>');
    expect(finish.done).toBe(true);
    expect(finish.feedback).toContain('[Execution Result]: Paris');
  });

  it('whitespace-only required tags are missing, an empty false branch is done', async () => {
    expect(parseAction('<action>add</action><structure>conditional</structure><condition>Verify</condition><true>Revise</true><false> </false>', ops).action).toEqual({
      type: 'add', structure: 'conditional', condition: 'Verify', trueBranch: 'Revise',
    });
    expect(parseAction('<action>add</action><operator> </operator>', ops).action).toEqual({ type: 'invalid', error: 'No <operator> tag found for add action' });
    expect(parseAction('<action>delete</action><target>\t</target>', ops).action).toEqual({ type: 'invalid', error: 'No <target> tag found for delete action' });
    expect(parseAction('<action>add</action><structure>parallel</structure><operators>  </operators>', ops).action).toEqual({ type: 'invalid', error: 'No <operators> tag found for parallel structure' });
    const env = new CanvasEnv();
    env.reset({ problem: 'p', type: 'math' });
    const stuck = await env.step('<action>add</action><operator> </operator>');
    expect(stuck.info.phase).toBe('building');
  });

  it('an empty <reasoning> falls back to <thought>', () => {
    expect(parseAction('<reasoning> </reasoning><thought>use code</thought><action>add</action><operator>Programmer</operator>', ops).reasoning).toBe('use code');
    expect(parseAction('<reasoning></reasoning><action>finish</action>', ops).reasoning).toBeUndefined();
  });

  it('positional ids: deleting the older of two nodes sharing an id keeps the newer structure reachable', async () => {
    const env = new CanvasEnv({ quirks: REFERENCE_QUIRKS, executeEachStep: false });
    env.reset({ problem: 'p', type: 'math' });
    for (const text of [add('Plan'), 'Plan it out.', add('Custom'), 'Solve it now.', '<action>delete</action><target>node_1</target>']) await env.step(text);
    await env.step('<action>add</action><structure>parallel</structure><operators>Custom, Review</operators>');
    await env.step('First branch prompt.');
    await env.step('Second branch prompt.');
    await env.step('<action>delete</action><target>node_2</target>');
    const set = await env.step('<action>set_prompt</action><target>node_2_p0</target><prompt>A new branch prompt.</prompt>');
    expect(set.info.accepted).toBe(true);
    expect(set.feedback).toContain('Custom prompt set for Custom (node_2_p0)');
  });

  it('the verification hint shows for planners and solvers and survives [NEXT]=FINISH', async () => {
    const verdict = '<is_correct>true</is_correct><confidence>high</confidence><answer>42</answer>';
    const env = new CanvasEnv({ executor: new ScriptedExecutor([ok(verdict)]) });
    env.reset({ problem: 'p', type: 'math' });
    await env.step(add('Plan'));
    const plan = await env.step('Plan the steps.');
    expect(plan.feedback).toContain('[HINT]: Verify suggests the answer may be correct.');
    await env.step(add('Custom'));
    const custom = await env.step('Solve it.');
    expect(custom.feedback).toContain('[HINT]: Verify suggests the answer may be correct.');
  });

  it('the reference canvas DSL parser rejects a parallel with an empty item', () => {
    expect(parseDslReference('[Custom, Programmer,]')).toBeNull();
    expect(parseDslReference('Custom -> Review ? Revise :')?.toDsl()).toBe('Custom -> Review ? Revise : done');
  });

  it('a think-only prompt turn is detected whatever the tag case', async () => {
    const env = new CanvasEnv();
    env.reset({ problem: 'p', type: 'math' });
    await env.step(add('Custom'));
    expect((await env.step('<THINK>hmm')).feedback).toContain('Think-Only detected');
  });
});

describe('Python regex semantics (pythonRegex quirk)', () => {
  it('\\b treats CJK letters as word characters', () => {
    expect(parseAction('我们添加Programmer', ops).action).toMatchObject({ type: 'add', operator: 'Programmer' });
    expect(parseAction('我们添加Programmer', ops, { semantics: 'python' }).action).toEqual({ type: 'invalid', error: 'Could not parse action from text' });
    expect(parseAction('我们添加 Programmer 吧', ops, { semantics: 'python' }).action).toMatchObject({ type: 'add', operator: 'Programmer' });
  });

  it('\\d reads any decimal digit', () => {
    const loop = (count: string) => `<action>add</action><structure>loop</structure><operators>Review</operators><count>${count}</count>`;
    expect(parseAction(loop('５'), ops).action).toMatchObject({ count: 3 });
    expect(parseAction(loop('５'), ops, { semantics: 'python' }).action).toMatchObject({ count: 5 });
    expect(parseAction(loop('٧'), ops, { semantics: 'python' }).action).toMatchObject({ count: 7 });
    expect(parseAction(loop('𝟗'), ops, { semantics: 'python' }).action).toMatchObject({ count: 9 });
  });

  it('case folding and whitespace follow Python', () => {
    expect(parseAction('<action>add</action><ſtructure>parallel</ſtructure><operators>Custom,Review</operators>', ops, { semantics: 'python' }).action).toMatchObject({ structure: 'parallel' });
    expect(parseAction('<action>add</action><ſtructure>parallel</ſtructure><operators>Custom,Review</operators>', ops).action).toEqual({ type: 'invalid', error: 'No <operator> tag found for add action' });
    // U+001F is whitespace for Python's strip(), not for JavaScript's trim().
    expect(parseAction('<action>delete</action><target>\u001fnode_1\u001f</target>', ops, { semantics: 'python' }).action).toEqual({ type: 'delete', target: 'node_1' });
    expect(parseAction('<action>delete</action><target>\ufeffnode_1</target>', ops, { semantics: 'python' }).action).toEqual({ type: 'delete', target: '\ufeffnode_1' });
  });

  it('the canvas uses it under REFERENCE_QUIRKS', async () => {
    const env = new CanvasEnv({ quirks: REFERENCE_QUIRKS });
    env.reset({ problem: 'p', type: 'math' });
    expect((await env.step('我们添加Programmer')).feedback).toContain('Invalid action: Could not parse action from text');
  });
});

describe('roles come from operator categories', () => {
  it('a plugin checker satisfies the finish rule, a plugin ensemble may not sit in a parallel block', async () => {
    const vocabulary = vocabularyFor([...REFERENCE_OPERATORS, { name: 'FactCheck', category: 'checker', description: 'checks facts' }, { name: 'Vote', category: 'ensemble', description: 'votes' }]);
    const roles = rolesFor(vocabulary.operators);
    expect(roles.checkers.has('FactCheck')).toBe(true);
    expect(roles.finishSolvers.has('Aggregate')).toBe(true); // reference data, not the category
    const env = new CanvasEnv({ operators: vocabulary.operators, library: vocabulary.library, executeEachStep: false });
    env.reset({ problem: 'p', type: 'qa' });
    const parallel = await env.step('<action>add</action><structure>parallel</structure><operators>Custom, Vote</operators>');
    expect(parallel.feedback).toContain('Vote cannot be inside parallel');
    for (const text of ['<action>add</action><structure>parallel</structure><operators>Custom, AnswerGenerate</operators>', 'One way.', 'Another way.', add('Aggregate'), 'Merge them.', add('FactCheck'), 'Check the facts.', add('Format'), 'Only the answer.']) {
      await env.step(text);
    }
    const finish = await env.step('<action>finish</action>');
    expect(finish.feedback).toContain('Workflow construction finished.');
  });
});

describe('step input limit', () => {
  it('rejects an oversized input with a typed error and changes nothing', async () => {
    const env = new CanvasEnv({ maxStepChars: 1000 });
    env.reset({ problem: 'p', type: 'math' });
    const before = env.snapshot();
    const error = await env.step(`<action>add</action><operator>${'x'.repeat(2000)}</operator>`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CanvasInputTooLargeError);
    expect((error as CanvasInputTooLargeError).code).toBe('VALIDATION_FAILED');
    expect((error as Error).message).toContain('2041 characters, over the 1000-character limit (maxStepChars)');
    expect(env.snapshot()).toEqual(before);
    expect(env.canUndo).toBe(false);
  });
});
