import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { flowsteer } from './helpers.js';

const example = join(import.meta.dirname, '..', '..', '..', 'packages', 'canvas', 'examples', 'math-episode.jsonl');
let temp = '';
afterEach(async () => {
  if (temp !== '') await rm(temp, { recursive: true, force: true });
});

interface Report {
  turns: Array<{ turn: number; kind: string; accepted: boolean; action: { type: string } | null; feedback: string; executed: boolean }>;
  final: { dsl: string; nodes: string[]; finished: boolean; rounds: number; unusedLines: number };
}

describe('flowsteer canvas replay', () => {
  it('--json replays the example transcript turn by turn', async () => {
    const result = await flowsteer(['canvas', 'replay', example, '--task', 'What is 6*7?', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.turns).toHaveLength(11);
    expect(report.turns.map((t) => t.kind)).toEqual(['action', 'prompt', 'action', 'prompt', 'action', 'prompt', 'prompt', 'action', 'action', 'prompt', 'action']);
    expect(report.turns[7]).toMatchObject({ accepted: false, action: { type: 'finish' } });
    expect(report.turns[7]?.feedback).toContain('Finish rejected: workflow is too short (4 operators).');
    expect(report.turns.every((t) => !t.executed)).toBe(true);
    expect(report.turns[1]?.feedback).toContain('(Execution skipped - DSL: Plan)');
    expect(report.final).toEqual({
      dsl: 'Plan -> Programmer -> Verify ? Revise : done -> Format',
      nodes: ['node_1: Plan (operator)', 'node_2: Programmer (operator)', 'node_3: Verify ? Revise : done (conditional)', 'node_4: Format (operator)'],
      finished: true,
      rounds: 11,
      executed: false,
      unusedLines: 0,
    });
  });

  it('reads standard input, honours quirks, and writes a restorable snapshot', async () => {
    temp = await mkdtemp(join(tmpdir(), 'flowsteer-replay-'));
    const snapshot = join(temp, 'canvas.json');
    const input = [JSON.stringify('<action>add</action><operator>Foo</operator>'), JSON.stringify('Use it well please.')].join('\n');
    const stuck = await flowsteer(['canvas', 'replay', '-', '--quirk', 'stuckOnInvalidAdd', '--json', '--snapshot', snapshot], { input });
    const report = JSON.parse(stuck.stdout) as Report;
    expect(report.turns.map((t) => t.accepted)).toEqual([true, false]);
    expect(JSON.parse(await readFile(snapshot, 'utf8'))).toMatchObject({ format: 'flowsteer.canvas', version: 1, state: { phase: 'awaiting_prompt' } });
    const fixed = JSON.parse((await flowsteer(['canvas', 'replay', '-', '--json'], { input })).stdout) as Report;
    expect(fixed.turns[0]).toMatchObject({ accepted: false });
    expect(fixed.turns[0]?.feedback).toContain('Invalid operator: Foo');
  });

  it('prints a readable replay and rejects malformed transcripts with exit 2', async () => {
    const text = await flowsteer(['canvas', 'replay', example, '--task', 'What is 6*7?']);
    expect(text.stdout).toContain('── turn 1 · action · accepted · add Plan');
    expect(text.stdout).toContain('final DSL: Plan -> Programmer -> Verify ? Revise : done -> Format');
    temp = await mkdtemp(join(tmpdir(), 'flowsteer-replay-'));
    const bad = join(temp, 'bad.jsonl');
    await writeFile(bad, '"<action>finish</action>"\n{not json}\n');
    const result = await flowsteer(['canvas', 'replay', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('transcript line 2 is not JSON');
    expect((await flowsteer(['canvas', 'replay', join(temp, 'missing.jsonl')])).code).toBe(2);
    expect((await flowsteer(['canvas', 'replay', example, '--quirk', 'nope'])).stderr).toContain('unknown quirk "nope"');
  });
});

describe('flowsteer dsl', () => {
  it('parse prints nodes; render turns them back into canonical DSL', async () => {
    const parsed = await flowsteer(['dsl', 'parse', 'Plan->(Verify?Revise:done)->(Review -> Revise) * 2']);
    expect(parsed.code).toBe(0);
    const json = JSON.parse(parsed.stdout) as { dsl: string; nodes: unknown[] };
    expect(json.dsl).toBe('Plan -> Verify ? Revise : done -> (Review -> Revise) * 2');
    const rendered = await flowsteer(['dsl', 'render', '-'], { input: JSON.stringify({ nodes: json.nodes }) });
    expect(rendered.stdout.trim()).toBe(json.dsl);
  });

  it('reports errors with a column and exit code 2; --reference and --mermaid work', async () => {
    const bad = await flowsteer(['dsl', 'parse', 'Plan -> [Custom']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected "]", found end of workflow (column 16)');
    expect((await flowsteer(['dsl', 'parse', '--reference', '(Review -> Revise) * 3'])).code).toBe(2);
    expect(JSON.parse((await flowsteer(['dsl', 'parse', '--reference', 'Custom -> Foo'])).stdout)).toMatchObject({ dsl: 'Custom' });
    expect((await flowsteer(['dsl', 'parse', '--mermaid', 'Plan -> Custom'])).stdout).toContain('node_1 --> node_2');
    expect((await flowsteer(['dsl', 'render', '-'], { input: '{"x": 1}' })).code).toBe(2);
  });
});
