import { EventBus, type FlowSteerEvent } from '@flowsteer/core';
import { describe, expect, it } from 'vitest';
import {
  CanvasEnv,
  CanvasStateError,
  DEFAULT_LIBRARY,
  REFERENCE_OPERATORS,
  REFERENCE_QUIRKS,
  applyPromptRules,
  extractPromptContent,
  formatPromptSetSuccess,
  isMultipleChoiceProblem,
  type CanvasExecutionRequest,
  type CanvasExecutor,
  type ExecutionValue,
  vocabularyFor,
} from '../src/index.js';

class StubExecutor implements CanvasExecutor {
  readonly calls: CanvasExecutionRequest[] = [];
  constructor(private readonly output: ExecutionValue | ((request: CanvasExecutionRequest) => ExecutionValue)) {}
  async execute(request: CanvasExecutionRequest) {
    this.calls.push(request);
    return { success: true, output: typeof this.output === 'function' ? this.output(request) : this.output };
  }
}

const add = (op: string): string => `<action>add</action><operator>${op}</operator>`;
const lines = (feedback: string): string[] => feedback.split('\n');

describe('CanvasEnv: the reference episode (spec §3.7 / E1)', () => {
  it('reproduces messages, signals, memory and the final workflow', async () => {
    const executor = new StubExecutor('42');
    const env = new CanvasEnv({ executor });
    env.reset({ problem: 'What is 6*7?', type: 'math' });
    const step = async (text: string) => env.step(text);

    let r = await step('<action>finish</action>');
    expect(lines(r.feedback)).toEqual(expect.arrayContaining(['[Status]: Failed', '[Message]: Finish rejected: workflow is empty.', '[Round]: 1/20']));
    r = await step(add('Plan'));
    expect(r.feedback).toContain('[Status]: Pending - Awaiting Prompt');
    expect(r.observation.awaitingPrompt).toBe(true);
    r = await step('Plan the multiplication.');
    expect(r.feedback).toBe(
      [
        '<feedback>',
        '[BLOCK_FINISH]=1',
        '[NEXT]=ADD:Programmer',
        '[REASON]=Plan is not answer; add Programmer to write executable code',
        '[PROBLEM]: What is 6*7?',
        '[EXECUTION RESULT]: 42',
        '[Status]: Success - Prompt Set',
        '[Message]: Custom prompt set for Plan (node_1)',
        '[Current DSL]: Plan',
        '[Statistics]: 1 operators, 1 unique types',
        '[Round]: 3/20',
        '</feedback>',
      ].join('\n'),
    );
    await step(add('Programmer'));
    r = await step('<think>x</think>');
    expect(r.feedback).toContain('[Message]: Think-Only detected: Your thinking content was filtered out.');
    expect(r.info.phase).toBe('awaiting_prompt');
    r = await step('Write solve() that returns 6*7.');
    expect(lines(r.feedback)).toEqual(expect.arrayContaining(['[NEXT]=ADD:Verify', '[REASON]=MATH: Must verify answer before finishing', '[PREVIOUS STEP OUTPUT]: 42']));
    r = await step('<action>add</action><structure>parallel</structure><operators>Custom,AnswerGenerate</operators>');
    expect(lines(r.feedback)).toEqual(
      expect.arrayContaining([
        '[Message]: Write a custom prompt for Custom. (parallel prompt 1/2 (node_id=node_3_p0, parent=node_3))',
        '[Hint]: Make this branch DIFFERENT from other parallel branches (different method, checks, or perspective).',
        '[Current DSL]: Plan -> Programmer -> [Custom, AnswerGenerate]',
      ]),
    );
    await step('Reason it out in words.');
    r = await step('Give a direct answer.');
    expect(lines(r.feedback)).toEqual(
      expect.arrayContaining([
        '[NEXT]=ADD:ScEnsemble',
        '[REASON]=Parallel structure needs aggregation before verification/formatting',
        '[HINT]: Parallel structure detected without aggregation. Add ScEnsemble/Aggregate to merge parallel results into a single answer.',
        '[Message]: Custom prompt set for AnswerGenerate (node_3_p1)',
      ]),
    );
    r = await step('<action>finish</action>');
    expect(r.feedback).toContain('[Message]: Finish rejected: workflow is too short (4 operators).');
    await step(add('ScEnsemble'));
    r = await step('Pick the most common answer.');
    expect(lines(r.feedback).slice(1, 4)).toEqual(['[BLOCK_FINISH]=0', '[NEXT]=FINISH (Answer looks correct and concise. Consider finishing to avoid drift.)', '[REASON]=Answer ready']);
    r = await step('<action>finish</action>');
    expect(lines(r.feedback)).toEqual(
      expect.arrayContaining(['[Message]: Finish rejected: no checker operator used (Verify/Test/Review).', 'Step 3: Added Plan', 'Step 6: Added Programmer', 'Step 12: Added ScEnsemble']),
    );
    r = await step('<action>add</action><structure>conditional</structure><condition>Verify</condition><true>Revise</true><false>done</false>');
    expect(r.feedback).toContain('(conditional prompt 1/2 (node_id=node_5_cond, parent=node_5))');
    r = await step('Check the product independently.');
    expect(r.feedback).toContain('(conditional prompt 2/2 (node_id=node_5_true, parent=node_5))');
    await step('Fix the answer using the feedback.');
    r = await step('<action>finish</action>');
    expect(r.done).toBe(true);
    expect(lines(r.feedback)).toEqual(
      expect.arrayContaining([
        '[Status]: Success',
        '[Message]: Workflow construction finished.',
        '[Workflow Nodes]: node_1: Plan (operator); node_2: Programmer (operator); node_3: [Custom, AnswerGenerate] (parallel); node_4: ScEnsemble (operator); node_5: Verify ? Revise : done (conditional)',
        '[Structures]: parallel, conditional',
        'Step 17: Finished',
        '[Original Problem]: What is 6*7?',
        '[Execution Result]: 42',
        '[Next Step]: Compare the problem and result above. If it answers the problem, you may finish; otherwise continue improving.',
        '[Round]: 17/20',
        '[Final]: Workflow construction complete',
      ]),
    );
    expect(env.graph.toDsl()).toBe('Plan -> Programmer -> [Custom, AnswerGenerate] -> ScEnsemble -> Verify ? Revise : done');
    expect(executor.calls).toHaveLength(5);
    const last = executor.calls[4];
    expect(Object.fromEntries(Object.entries(last?.prompts ?? {}).map(([id, p]) => [id, p.operator]))).toEqual({
      node_1: 'Plan', node_2: 'Programmer', node_3_p0: 'Custom', node_3_p1: 'AnswerGenerate', node_4: 'ScEnsemble', node_5_cond: 'Verify', node_5_true: 'Revise',
    });
    await expect(env.step(add('Custom'))).rejects.toBeInstanceOf(CanvasStateError);
  });
});

describe('CanvasEnv: finish constraints (E2/E3)', () => {
  async function finishWith(dslSteps: (env: CanvasEnv) => void, options: { type?: string; test?: string; last?: ExecutionValue; relaxed?: boolean } = {}): Promise<string> {
    const env = new CanvasEnv(options.relaxed === true ? { minOperators: 1, requireChecker: false, requireStructure: false } : {});
    env.reset({ problem: 'p', type: options.type ?? 'math', ...(options.test === undefined ? {} : { test: options.test }) });
    dslSteps(env);
    if (options.last !== undefined) {
      const restored = env.snapshot();
      env.restore({ ...restored, state: { ...restored.state, lastExecutionResult: options.last } });
    }
    const r = await env.step('<action>finish</action>');
    return /\[Message\]: (.*)/.exec(r.feedback)?.[1] ?? '';
  }

  it('applies the rules in order', async () => {
    expect(await finishWith((e) => e.graph.addOperator('Custom'))).toBe('Finish rejected: workflow is too short (1 operators).');
    expect(await finishWith((e) => ['Plan', 'Decompose', 'Custom', 'Verify', 'Format'].forEach((o) => e.graph.addOperator(o)))).toBe('Finish rejected: no structure used (parallel/conditional/loop).');
    expect(await finishWith((e) => { e.graph.addOperator('Plan'); e.graph.addOperator('Decompose'); e.graph.addParallel(['Plan', 'Decompose']); e.graph.addOperator('Verify'); })).toBe('Finish rejected: no solver operator used (Custom/Programmer/AnswerGenerate/...).');
    expect(await finishWith((e) => { e.graph.addOperator('Plan'); e.graph.addOperator('Decompose'); e.graph.addParallel(['Custom', 'Custom']); e.graph.addOperator('Format'); })).toBe('Finish rejected: no checker operator used (Verify/Test/Review).');
    const loopGraph = (tail: string[]) => (e: CanvasEnv) => { e.graph.addOperator('Custom'); e.graph.addLoop(['Review', 'Revise'], 2); tail.forEach((o) => e.graph.addOperator(o)); };
    expect(await finishWith(loopGraph(['Format', 'Custom']))).toBe('Workflow construction finished.');
    for (const last of ['Step 1: compute...', 'x'.repeat(61), 'line1\nline2']) {
      expect(await finishWith(loopGraph(['Custom', 'Custom']), { last })).toBe('Finish rejected: answer not concise.');
    }
    expect(await finishWith(loopGraph(['Custom', 'Custom']), { last: { output: '42', code: '...' } })).toBe('Workflow construction finished.');
  });

  it('code rules', async () => {
    const test = 'assert f(1) == 2';
    expect(await finishWith((e) => { e.graph.addOperator('Programmer'); e.graph.addConditional('Review', 'Programmer'); e.graph.addOperator('Format'); e.graph.addOperator('Custom'); }, { type: 'code', test })).toBe('Finish rejected: code task requires Test operator before finishing.');
    expect(await finishWith((e) => { e.graph.addOperator('Programmer'); e.graph.addConditional('Test', 'Programmer'); e.graph.addOperator('Format'); e.graph.addOperator('Custom'); }, { type: 'code', test })).toBe('Workflow construction finished.');
    expect(await finishWith((e) => e.graph.addOperator('Custom'), { type: 'code', relaxed: true })).toBe('Finish rejected: code task requires Programmer to generate code.');
    expect(await finishWith((e) => e.graph.addOperator('Test'), { type: 'code', relaxed: true })).toBe('Workflow construction finished.');
    expect(await finishWith(() => undefined, { type: 'code', relaxed: true })).toBe('Finish rejected: workflow is empty.');
  });
});

describe('CanvasEnv: rounds, prompts and edits', () => {
  it('E4: auto-finishes past the round limit', async () => {
    const env = new CanvasEnv({ maxRounds: 2, executeEachStep: false, minOperators: 1, requireChecker: false, requireStructure: false });
    env.reset({ problem: 'p', type: 'math' });
    await env.step(add('Custom'));
    const second = await env.step('Answer the question.');
    expect(second.feedback).toContain('[EXECUTION]: No result returned.');
    const third = await env.step('<action>finish</action>');
    expect(third.done).toBe(true);
    expect(third.info.forcedFinish).toBe(true);
    expect(lines(third.feedback)).toEqual(expect.arrayContaining(['[Status]: Failed', '[Message]: Maximum rounds (2) reached. Workflow auto-finished.', '[Round]: 3/2', '[Final]: Auto-finished due to max rounds']));
    expect(third.feedback).not.toContain('(limit)');
  });

  it('E5 (reference quirk): an invalid operator traps the episode awaiting its prompt', async () => {
    const env = new CanvasEnv({ quirks: { stuckOnInvalidAdd: true } });
    env.reset({ problem: 'p', type: 'math' });
    expect((await env.step(add('Foo'))).feedback).toContain('[Status]: Pending - Awaiting Prompt');
    const second = await env.step('Use it well please.');
    expect(second.feedback).toContain('[Message]: Invalid operator: Foo. Valid operators: Aggregate, AnswerGenerate');
    expect(second.info.phase).toBe('awaiting_prompt');
    const third = await env.step(add('Custom'));
    expect(third.feedback).toContain('[Message]: Prompt is too short or empty.');
    expect(third.info.phase).toBe('awaiting_prompt');
  });

  it('E5 (default): an invalid operator is rejected at once and the episode goes on', async () => {
    const env = new CanvasEnv();
    env.reset({ problem: 'p', type: 'math' });
    const r = await env.step(add('custom'));
    expect(r.info.accepted).toBe(false);
    expect(r.info.phase).toBe('building');
    expect(r.feedback).toContain('[Message]: Invalid operator: custom. Valid operators: Aggregate');
    expect((await env.step(add('Custom'))).info.phase).toBe('awaiting_prompt');
  });

  it('E6: works with execution switched off and says so', async () => {
    const env = new CanvasEnv({ minOperators: 1, requireChecker: false, requireStructure: false });
    env.reset({ problem: 'What is 1+1?', type: 'math' });
    await env.step(add('Custom'));
    const r = await env.step('Add the numbers.');
    expect(lines(r.feedback)).toEqual(expect.arrayContaining(['[BLOCK_FINISH]=1', '[NEXT]=ADD:Verify', '[REASON]=MATH: Must verify answer before finishing', '[EXECUTION RESULT]: (Execution skipped - DSL: Custom)']));
    expect((await env.step('<action>finish</action>')).done).toBe(true);
  });

  it('E7: set_prompt validation in the building state', async () => {
    const env = new CanvasEnv({ executor: new StubExecutor('Shakespeare') });
    env.reset({ problem: 'Who wrote Hamlet?', type: 'qa' });
    await env.step(add('Custom'));
    await env.step('Name the author.');
    const message = async (text: string) => /\[Message\]: (.*)/.exec((await env.step(text)).feedback)?.[1];
    expect(await message('<action>set_prompt</action><prompt>abc def</prompt>')).toBe('set_prompt rejected: missing <target> node id.');
    expect(await message('<action>set_prompt</action><target>node_1</target><prompt>abc</prompt>')).toBe('set_prompt rejected: prompt is too short or empty.');
    const missing = await env.step('<action>set_prompt</action><target>node_9</target><prompt>abc def</prompt>');
    expect(lines(missing.feedback)).toEqual(expect.arrayContaining(['[Message]: Node node_9 not found', '[Hint]: Check the node id in [Workflow Nodes] and try again.']));
    const ok = await env.step('<action>set_prompt</action><target>node_1</target><prompt>Give only the author name.</prompt>');
    expect(lines(ok.feedback)).toEqual(expect.arrayContaining(['[NEXT]=ADD:Review', '[REASON]=Add Review to check answer quality']));
    expect(env.graph.prompts()['node_1']?.prompt).toBe('Give only the author name.');
  });

  it('E8: modify, delete and the fallback finish (reference and default)', async () => {
    for (const quirks of [REFERENCE_QUIRKS, undefined]) {
      const env = new CanvasEnv({ executor: new StubExecutor('Shakespeare'), ...(quirks === undefined ? {} : { quirks }) });
      env.reset({ problem: 'Who wrote Hamlet?', type: 'qa' });
      await env.step(add('Custom'));
      await env.step('Name the author.');
      for (let i = 0; i < 4; i++) await env.step('<action>set_prompt</action>');
      const pending = await env.step('<action>modify</action><target>node_1</target><operator>AnswerGenerate</operator>');
      expect(lines(pending.feedback)).toEqual(expect.arrayContaining(['[Status]: Pending - Awaiting New Prompt for Modify', '[Message]: You want to modify node_1 to AnswerGenerate. Now write a NEW custom prompt.']));
      const done = await env.step('Answer with the author only.');
      expect(done.feedback).toContain('[Message]: Custom prompt set for AnswerGenerate (node_1)');
      expect(env.graph.toDsl()).toBe('AnswerGenerate');
      const memoryLine = quirks === undefined ? 'Step 8: Modified node_1 to AnswerGenerate' : 'Step 8: Added AnswerGenerate';
      const msg = async (text: string) => (await env.step(text)).feedback;
      expect(await msg('<action>modify</action><target>node_7</target><operator>Custom</operator>')).toContain("[Message]: Target node 'node_7' not found");
      expect(await msg('<action>modify</action><target>node_1</target><operator>Checker</operator>')).toContain('[Message]: Invalid operator: Checker');
      const deleted = await msg('<action>delete</action><target>node_1</target>');
      expect(lines(deleted)).toEqual(expect.arrayContaining(['[Status]: Success', '[Message]: Removed node node_1', '[Current DSL]: (empty)', memoryLine, 'Step 11: Deleted node_1']));
      expect(await msg('<action>delete</action><target>node_1</target>')).toContain('[Message]: Node node_1 not found');
      const finish = await msg("I think the workflow is complete, let's finish");
      expect(finish).toContain(quirks === undefined ? '[Message]: Invalid action: no <action> tag found' : '[Message]: Finish rejected: workflow is empty.');
    }
  });

  it('E9: multiple-choice detection, reference and corrected', () => {
    const cases: Array<[string, boolean, boolean]> = [
      ['What is 2+2?', false, false],
      ['Choose the best answer: foo', true, false],
      ['Pick one. Options: a) 1 b) 2', true, true],
      ['Find x (a) 3 (b) 4', true, true],
      ['It is a. Done', true, false],
      ['A train goes 60 mph', false, false],
      ['Solve for a ) 5', true, false],
      ['I choose to stay home', true, false],
    ];
    for (const [problem, reference, corrected] of cases) {
      expect(isMultipleChoiceProblem(problem, 'math', true), problem).toBe(reference);
      expect(isMultipleChoiceProblem(problem, 'math'), problem).toBe(corrected);
    }
    expect(isMultipleChoiceProblem('anything', 'mathqa_mc')).toBe(true);
  });

  it('E10: dynamic prompt rules are applied once', () => {
    for (const op of ['Custom', 'Verify', 'AnswerGenerate']) {
      const text = applyPromptRules('Answer.', op, 'qa');
      expect(text.startsWith('[QA_SHORT_ANSWER]\n')).toBe(true);
      expect(text.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(3);
      expect(text.endsWith('\n\nAnswer.')).toBe(true);
      expect(applyPromptRules(text, op, 'qa')).toBe(text);
    }
    expect(applyPromptRules('Answer.', 'Review', 'qa')).toBe('Answer.');
    const code = applyPromptRules('Implement f.', 'Programmer', 'code');
    expect(code.startsWith('[CODE_PYTHON_ONLY]\n')).toBe(true);
    expect(code.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(4);
    expect(code.endsWith('\n\nImplement f.')).toBe(true);
    expect(applyPromptRules('Implement f.', 'Programmer', 'math')).toBe('Implement f.');
  });

  it('E11: prompt extraction', () => {
    expect(extractPromptContent('<prompt>Use sympy</prompt>')).toBe('Use sympy');
    expect(extractPromptContent('<think>hmm</think>Solve it stepwise.')).toBe('Solve it stepwise.');
    expect(extractPromptContent('<think>truncated ...')).toBe('');
    expect(extractPromptContent('<action>add</action><operator>Custom</operator>Be brief')).toBe('Be brief');
    expect(extractPromptContent('<reasoning>r</reasoning> text')).toBe('r text');
    expect(extractPromptContent('<think_only>x</think_only>')).toBe('');
  });
});

describe('prompt-set signals (E12)', () => {
  const view = (dsl: string, total: number) => ({ dsl, nodeList: [], totalOperators: total, uniqueTypes: total, structures: [], round: 1, maxRounds: 20 });
  const signals = (args: { type: string; ops: string[]; op: string; result: ExecutionValue; test?: boolean; parallel?: boolean }) =>
    lines(
      formatPromptSetSuccess({
        operator: args.op,
        nodeId: 'node_1',
        view: view(args.ops.join(' -> '), args.ops.length),
        problem: 'p',
        result: args.result,
        advisor: { operators: args.ops, problemType: args.type, hasRequiredTests: args.test ?? false, hasParallel: args.parallel ?? false },
      }),
    );

  it('covers verify, errors, format, qa review, code tests and aggregation', () => {
    expect(signals({ type: 'math', ops: ['Programmer', 'Verify'], op: 'Verify', result: { is_correct: true, answer: '42', output: '42', confidence: 'high' } })).toEqual(
      expect.arrayContaining(['[BLOCK_FINISH]=1', '[NEXT]=ADD:Format', '[REASON]=Verify passed; add Format for concise answer', '[HINT]: Verify suggests the answer may be correct. Consider adding Format to extract concise answer.']),
    );
    expect(signals({ type: 'math', ops: ['Programmer', 'Verify', 'Format'], op: 'Verify', result: { is_correct: false, answer: '41', confidence: 'high' } })).toEqual(
      expect.arrayContaining(['[BLOCK_FINISH]=0', '[REASON]=High-confidence corrected answer available and Format exists']),
    );
    const error = signals({ type: 'math', ops: ['Programmer'], op: 'Programmer', result: "Execution error: name 'x' is not defined\nTraceback..." });
    expect(error).toEqual(expect.arrayContaining(['[NEXT]=ADD:Programmer', '[REASON]=Execution failed; rerun Programmer to fix runtime/error before verification']));
    expect(error.some((l) => l.startsWith('[EXECUTION ERROR]: '))).toBe(true);
    expect(error.some((l) => l.startsWith('[FIX SUGGESTION]: Variable or function not defined.'))).toBe(true);
    expect(signals({ type: 'math', ops: ['Programmer', 'Verify', 'Format'], op: 'Format', result: '42' })).toEqual(expect.arrayContaining(['[BLOCK_FINISH]=0', '[REASON]=Answer formatted and concise']));
    expect(signals({ type: 'qa', ops: ['Custom'], op: 'Custom', result: 'The answer, after a long consideration of everything in the passage, is Paris.' })).toEqual(
      expect.arrayContaining(['[NEXT]=ADD:Review', '[REASON]=Review answer quality first, then Format']),
    );
    expect(signals({ type: 'code', ops: ['Programmer', 'Test'], op: 'Test', result: 'TEST_FAILED: AssertionError: Expected 3, got 2', test: true })).toEqual(
      expect.arrayContaining([
        '[NEXT]=ADD:conditional(Test,Programmer,done)',
        "[REASON]=Test failed: AssertionError: Expected 3, got 2. IMPORTANT: Write this error in Programmer's prompt so it knows what to fix.",
        "[FIX SUGGESTION]: Test assertion failed. The code output doesn't match expected result. Use Revise to fix the logic.",
      ]),
    );
    expect(signals({ type: 'qa', ops: ['Plan', 'Custom', 'AnswerGenerate'], op: 'AnswerGenerate', result: 'Paris', parallel: true })).toEqual(
      expect.arrayContaining(['[NEXT]=ADD:Aggregate', '[REASON]=Parallel structure needs aggregation before verification/formatting']),
    );
  });
});

describe('CanvasEnv: snapshots, undo, events, executor failures, cancellation', () => {
  it('snapshots to JSON and restores at any turn; undo reverts steps, finish included', async () => {
    const env = new CanvasEnv({ minOperators: 1, requireChecker: false, requireStructure: false });
    env.reset({ problem: 'p', type: 'qa' });
    await env.step(add('Custom'));
    const midPrompt = JSON.parse(JSON.stringify(env.snapshot()));
    await env.step('Answer briefly.');
    await env.step('<action>finish</action>');
    expect(env.done).toBe(true);
    expect(env.undo()).toBe(true);
    expect(env.done).toBe(false);
    expect(env.undo()).toBe(true);
    expect(env.graph.toDsl()).toBe('');
    expect(env.state.phase).toBe('awaiting_prompt');

    const other = new CanvasEnv({ minOperators: 1, requireChecker: false, requireStructure: false });
    other.restore(midPrompt);
    expect(other.state.phase).toBe('awaiting_prompt');
    const r = await other.step('Answer briefly.');
    expect(r.info.dsl).toBe('Custom');
    expect(other.state.history.map((h) => h.kind)).toEqual(['action', 'prompt']);
    expect(() => other.restore({ ...midPrompt, format: 'other' })).toThrow(CanvasStateError);
  });

  it('emits turn, action and feedback events', async () => {
    const bus = new EventBus();
    const events: FlowSteerEvent[] = [];
    bus.onAny((e) => events.push(e));
    const env = new CanvasEnv({ events: bus, runId: 'r1' });
    env.reset({ problem: 'p', type: 'math' });
    await env.step('nonsense');
    expect(events.map((e) => e.type)).toEqual(['turn.started', 'action.parsed', 'feedback']);
    expect(events[1]).toMatchObject({ type: 'action.parsed', accepted: false, error: 'Could not parse action from text', runId: 'r1' });
  });

  it('turns an executor exception into an execution error the policy can read', async () => {
    const env = new CanvasEnv({
      executor: { execute: async () => { throw new Error('backend down'); } },
      minOperators: 1, requireChecker: false, requireStructure: false,
    });
    env.reset({ problem: 'p', type: 'math' });
    await env.step(add('Programmer'));
    const r = await env.step('Compute it.');
    expect(r.feedback).toContain('[EXECUTION ERROR]: Execution error: backend down');
    expect(env.state.memory.errors).toHaveLength(1);
    expect(env.state.lastSolverResult).toBeNull();
  });

  it('propagates cancellation instead of reporting it as feedback', async () => {
    const controller = new AbortController();
    const env = new CanvasEnv({
      executor: {
        execute: (_request, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
      },
    });
    env.reset({ problem: 'p', type: 'math' });
    await env.step(add('Custom'));
    const pending = env.step('Answer it.', controller.signal);
    controller.abort();
    await expect(pending).rejects.toThrow('aborted');
  });

  it('builds the action observation with state and sanitised feedback after the first turn', async () => {
    const env = new CanvasEnv();
    const { observation } = env.reset({ problem: 'What is 6*7?', type: 'math' });
    expect(observation.text).toContain('## Problem\nWhat is 6*7?');
    expect(observation.text).not.toContain('## Current State');
    expect(observation.text.endsWith('## Your Turn\nRound 1. Output your action:')).toBe(true);
    await env.step(add('Plan'));
    const prompt = (await env.step('Plan it.')).observation.text;
    expect(prompt).toContain('## Current State\n- Current DSL: Plan\n- Total Operators: 1\n- Unique Types: 1\n- Round: 3/20\n- Node IDs: node_1');
    expect(prompt).toContain('## Last Action Feedback\n<feedback>\n[BLOCK_FINISH]=1');
    expect(prompt.endsWith('## Your Turn\nRound 3. Output your action:')).toBe(true);
  });
});

describe('vocabularyFor', () => {
  const retrieve = { name: 'Retrieve', category: 'planner' as const, description: 'Finds relevant passages in local documents.' };

  it('keeps the reference operators and library, and appends installed plugin operators', () => {
    const vocabulary = vocabularyFor([{ name: 'Custom', category: 'solver', description: 'a plugin cannot reword a reference operator' }, retrieve]);
    expect(vocabulary.library).toEqual([...DEFAULT_LIBRARY, 'Retrieve']);
    expect(vocabulary.operators.find((o) => o.name === 'Custom')?.description).toBe(REFERENCE_OPERATORS.find((o) => o.name === 'Custom')?.description);
    expect(vocabularyFor([]).library).toEqual(DEFAULT_LIBRARY);
  });

  it('shows a plugin operator to the policy and accepts it on the canvas', async () => {
    const env = new CanvasEnv({ ...vocabularyFor([retrieve]), executeEachStep: false });
    const { observation } = env.reset({ problem: 'Who wrote it?', type: 'qa' });
    expect(observation.text).toContain('- Retrieve: Finds relevant passages in local documents.');
    expect(observation.text).toContain('Available Operators (13 total)');
    expect((await env.step('<action>add</action><operator>Retrieve</operator>')).info.accepted).toBe(true);
    expect(new CanvasEnv().reset({ problem: 'x', type: 'qa' }).observation.text).not.toContain('Retrieve');
  });
});
