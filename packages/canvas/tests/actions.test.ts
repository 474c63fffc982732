import { describe, expect, it } from 'vitest';
import { REFERENCE_OPERATORS, parseAction, sanitizeFeedback, truncateAfterFirstAction, normalizeCompletion, type ParsedAction } from '../src/index.js';

const OPS = REFERENCE_OPERATORS.map((o) => o.name);
const parse = (text: string): ParsedAction => parseAction(text, OPS);

describe('parseAction (spec §12.4)', () => {
  it('A1/A2: angle or square brackets, trimmed names', () => {
    expect(parse('<action>add</action><operator>Custom</operator>')).toEqual({ action: { type: 'add', structure: 'operator', operator: 'Custom' } });
    expect(parse('[action]add[/action][operator] Programmer [/operator]').action).toEqual({ type: 'add', structure: 'operator', operator: 'Programmer' });
  });

  it('A3: case-insensitive tags and mixed list separators', () => {
    expect(parse('<ACTION> Add </ACTION><Structure>Parallel</Structure><operators>Custom; Programmer  Review,Verify</operators>').action).toEqual({
      type: 'add', structure: 'parallel', operators: ['Custom', 'Programmer', 'Review', 'Verify'],
    });
  });

  it('A4/A5: conditionals, with done in any case meaning no false branch', () => {
    const base = '<action>add</action><structure>conditional</structure><condition>Review</condition><true>Revise</true>';
    const expected = { type: 'add', structure: 'conditional', condition: 'Review', trueBranch: 'Revise' };
    expect(parse(`${base}<false>DONE</false>`).action).toEqual(expected);
    expect(parse(base).action).toEqual(expected);
    expect(parse(`${base}<false>Format</false>`).action).toEqual({ ...expected, falseBranch: 'Format' });
    expect(parse('<action>add</action><structure>conditional</structure><true>Revise</true>').action).toEqual({ type: 'invalid', error: 'No <condition> tag found for conditional structure' });
  });

  it('A6: loop counts are clamped to [1, 10] and default to 3', () => {
    const loop = (count: string): unknown => parse(`<action>add</action><structure>loop</structure><operators>Review,Revise</operators>${count}`).action;
    expect(loop('<count>15</count>')).toMatchObject({ count: 10 });
    expect(loop('')).toMatchObject({ count: 3 });
    expect(loop('<count>0</count>')).toMatchObject({ count: 1 });
    expect(loop('<count>-2</count>')).toMatchObject({ count: 3 });
  });

  it('A7/A8: parallel needs two operators; an unknown structure is a plain add', () => {
    expect(parse('<action>add</action><structure>parallel</structure><operators>Custom</operators>').action).toEqual({ type: 'invalid', error: 'Parallel structure requires at least 2 operators' });
    expect(parse('<action>add</action><structure>sequence</structure><operator>Custom</operator>').action).toEqual({ type: 'add', structure: 'operator', operator: 'Custom' });
  });

  it('A9: position and prompt', () => {
    expect(parse('<action>add</action><operator>Verify</operator><position>2</position><prompt>Check it</prompt>').action).toEqual({
      type: 'add', structure: 'operator', operator: 'Verify', position: 2, prompt: 'Check it',
    });
  });

  it('A10–A12: delete, modify and set_prompt required fields', () => {
    expect(parse('<action>delete</action>').action).toEqual({ type: 'invalid', error: 'No <target> tag found for delete action' });
    expect(parse('<action>delete</action><target>node_3</target>').action).toEqual({ type: 'delete', target: 'node_3' });
    expect(parse('<action>modify</action><target>node_2</target>').action).toEqual({ type: 'invalid', error: 'No <operator> tag found for modify action' });
    const noPrompt = { type: 'invalid', error: 'No <prompt> tag found for set_prompt action. You must provide a prompt.' };
    expect(parse('<action>set_prompt</action><target>node_2</target>').action).toEqual(noPrompt);
    expect(parse('<action>set_prompt</action><prompt>   </prompt>').action).toEqual(noPrompt);
    expect(parse('<action>set_prompt</action><target> node_2 </target><prompt>Solve carefully.</prompt>').action).toEqual({ type: 'set_prompt', target: 'node_2', prompt: 'Solve carefully.' });
  });

  it('A13/A14: finish answers and reasoning', () => {
    expect(parse('<action>finish</action><answer> 42 </answer>').action).toEqual({ type: 'finish', answer: '42' });
    expect(parse('<reasoning>need code</reasoning><action>add</action><operator>Programmer</operator>').reasoning).toBe('need code');
    expect(parse('<thought>t</thought><action>finish</action>')).toEqual({ action: { type: 'finish' }, reasoning: 't' });
  });

  it('A15–A17: the free-text fallback', () => {
    expect(parse("The workflow looks complete, let's finish.")).toEqual({ action: { type: 'finish' }, fallback: 'Fallback: inferred FINISH from explicit finish phrase' });
    expect(parse('I think we should add Custom operator here')).toEqual({ action: { type: 'add', structure: 'operator', operator: 'Custom' }, fallback: 'Fallback: inferred ADD from operator mention' });
    expect(parse('This is just random text').action).toEqual({ type: 'invalid', error: 'Could not parse action from text' });
    expect(parse('<action>remove</action><target>node_1</target>').action).toEqual({ type: 'invalid', error: 'Could not parse action from text' });
  });

  it('A18–A20: think-only, code fences, empty input, case kept, bad names, first action only', () => {
    expect(parse('<think_only>I was thinking about stuff</think_only>')).toEqual({
      action: { type: 'invalid', error: 'Think-Only: You output thinking without action. Please add <action> tag after your thinking.' },
      reasoning: 'I was thinking about stuff',
    });
    expect(parse('```<action>add</action><operator>Custom</operator>```')).toEqual({ action: { type: 'add', structure: 'operator', operator: 'Custom' }, fallback: 'Fallback: inferred ADD from operator mention' });
    expect(parse('').action).toEqual({ type: 'invalid', error: 'Empty input' });
    expect(parse('<action>add</action><operator>custom</operator>').action).toMatchObject({ operator: 'custom' });
    expect(parse('<action>add</action><operator>Custom[1]</operator>').action).toEqual({ type: 'invalid', error: 'No <operator> tag found for add action' });
    expect(parse('<action>delete</action><target>node_1</target><action>finish</action>').action).toEqual({ type: 'delete', target: 'node_1' });
  });

  it('A21: think blocks are ignored by the fallback; several operators are ambiguous', () => {
    expect(parse('<think>hmm Programmer</think> Now finish the workflow')).toMatchObject({ action: { type: 'finish' } });
    const ambiguous = parse('Use Plan then Programmer').action;
    expect(ambiguous.type).toBe('invalid');
    const names = /Found multiple operators \((.*)\) but no clear structure\. Please use explicit XML format\./.exec((ambiguous as { error: string }).error)?.[1]?.split(', ');
    expect(new Set(names)).toEqual(new Set(['Plan', 'Programmer']));
  });
});

describe('truncateAfterFirstAction (spec §12.5)', () => {
  it('T1–T6', () => {
    expect(truncateAfterFirstAction('<think>plan</think><action>add</action><operator>Plan</operator> blah <action>add</action><operator>Custom</operator>')).toBe('<action>add</action><operator>Plan</operator>');
    expect(truncateAfterFirstAction('<action>add</action><structure>parallel</structure><operators>Custom,Programmer</operators>\nExplanation: two views')).toBe('<action>add</action><structure>parallel</structure><operators>Custom,Programmer</operators>');
    expect(truncateAfterFirstAction('<action>finish</action><answer>42</answer> trailing')).toBe('<action>finish</action><answer>42</answer>');
    expect(truncateAfterFirstAction('<action>add</action><structure>conditional</structure><condition>Review</condition><true>Revise</true><false>done</false><action>finish</action>')).toBe(
      '<action>add</action><structure>conditional</structure><condition>Review</condition><true>Revise</true><false>done</false>',
    );
    expect(truncateAfterFirstAction('no action here')).toBe('no action here');
    expect(truncateAfterFirstAction('[action]delete[/action][target]node_2[/target] ok')).toBe('[action]delete[/action][target]node_2[/target]');
    expect(truncateAfterFirstAction('<action>add</action><operator>Verify</operator><prompt>check</prompt><position>1</position> more')).toBe(
      '<action>add</action><operator>Verify</operator><prompt>check</prompt><position>1</position>',
    );
  });

  it('T7: feedback sanitisation', () => {
    expect(sanitizeFeedback('<feedback>\n[Status]: Failed\n  [FIX NOW] Add Revise:\n  <action>add</action><operator>Revise</operator>\n[Action Hint]: x\n[action hint]: y\n</feedback>')).toBe(
      '<feedback>\n[Status]: Failed\n  [FIX NOW] Add Revise:\n</feedback>',
    );
  });

  it('normalizes think blocks in raw completions', () => {
    expect(normalizeCompletion('<think>x</think><action>finish</action>')).toBe('<action>finish</action>');
    expect(normalizeCompletion('<think>only thoughts, cut off')).toBe('<think_only>only thoughts, cut off</think_only>');
    expect(normalizeCompletion('plain')).toBe('plain');
  });
});
