import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DslError, WorkflowGraph, parseDsl, renderDsl, toMermaid } from '../src/index.js';
import { parseDslReference } from '../src/reference/index.js';

describe('parseDslReference (spec §12.2, the reference canvas-side parser)', () => {
  const roundTrip = (dsl: string): string | null => parseDslReference(dsl)?.toDsl() ?? null;
  it('D1–D5', () => {
    expect(roundTrip('Plan -> [Custom, Programmer] -> ScEnsemble -> Review ? Revise : done')).toBe('Plan -> [Custom, Programmer] -> ScEnsemble -> Review ? Revise : done');
    expect(roundTrip('(Review -> Revise) * 3')).toBeNull();
    expect(roundTrip('(Custom) * 3')).toBe('(Custom) * 3');
    expect(roundTrip('Custom -> (Review) * x')).toBe('Custom -> (Review) * 3');
    expect(roundTrip('Custom -> Foo')).toBe('Custom');
    expect(roundTrip('[Custom, Aggregate]')).toBeNull();
    expect(roundTrip('Review ? done : done')).toBeNull();
    expect(roundTrip('')).toBeNull();
    expect(roundTrip('Review ? Revise : Format')).toBe('Review ? Revise : Format');
    expect(roundTrip('Custom->Verify->Format')).toBe('Custom -> Verify -> Format');
    expect(roundTrip(' [Custom,Programmer] ')).toBe('[Custom, Programmer]');
  });
});

describe('parseDsl (canonical grammar)', () => {
  it('parses every construct, including the multi-operator loop the reference parser cannot', () => {
    const dsl = 'Plan -> [Custom, Programmer] -> ScEnsemble -> Review ? Revise : done -> (Review -> Revise) * 3 -> Verify ? Revise : Format';
    expect(renderDsl(parseDsl(dsl))).toBe(dsl);
    expect(renderDsl(parseDsl('(Review -> Revise) * 3'))).toBe('(Review -> Revise) * 3');
  });

  it('accepts the parenthesised conditional of the prompts and flexible spacing', () => {
    expect(renderDsl(parseDsl('Plan->Programmer->(Verify?Revise:done)->Format'))).toBe('Plan -> Programmer -> Verify ? Revise : done -> Format');
    expect(renderDsl(parseDsl('  '))).toBe('');
  });

  it('clamps loop counts like the action parser', () => {
    expect(renderDsl(parseDsl('(Custom) * 15'))).toBe('(Custom) * 10');
    expect(renderDsl(parseDsl('(Custom) * 0'))).toBe('(Custom) * 1');
  });

  it('reports syntax errors with a column and invalid workflows with the canvas message', () => {
    const cases: Array<[string, RegExp]> = [
      ['Plan ->', /expected an operator, found end of workflow \(column 8\)/],
      ['Plan Custom', /expected "->" or end of workflow, found "Custom" \(column 6\)/],
      ['[Custom, Programmer', /expected "\]"/],
      ['(Review -> Revise)', /needs "\* n" \(column 1\)/],
      ['(Review) * x', /loop count must be an integer, found "x"/],
      ['Custom -> done', /"done" may only be the last branch/],
      ['Custom % Plan', /unexpected character "%" \(column 8\)/],
      ['[Custom, ScEnsemble]', /ScEnsemble cannot be inside parallel/],
      ['Custom -> Foo', /Invalid operator: Foo/],
      ['Review ? done : Revise', /Invalid operators: done/],
    ];
    for (const [dsl, pattern] of cases) {
      expect(() => parseDsl(dsl), dsl).toThrow(DslError);
      expect(() => parseDsl(dsl), dsl).toThrow(pattern);
    }
  });
});

const OPS = ['Custom', 'AnswerGenerate', 'Programmer', 'Test', 'Format', 'Review', 'Revise', 'ScEnsemble', 'Decompose', 'Verify', 'Plan', 'Aggregate', 'MdEnsemble', 'CustomCodeGenerate'];
const PARALLEL_OK = OPS.filter((op) => !['ScEnsemble', 'Aggregate', 'MdEnsemble'].includes(op));
const op = fc.constantFrom(...OPS);
const item = fc.oneof(
  op.map((o) => ({ kind: 'operator' as const, o })),
  fc.array(fc.constantFrom(...PARALLEL_OK), { minLength: 2, maxLength: 4 }).map((ops) => ({ kind: 'parallel' as const, ops })),
  fc.tuple(op, op, fc.option(op, { nil: undefined })).map(([c, t, f]) => ({ kind: 'conditional' as const, c, t, f })),
  fc.tuple(fc.array(op, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 10 })).map(([ops, n]) => ({ kind: 'loop' as const, ops, n })),
);
const graphArb = fc.array(item, { maxLength: 8 }).map((items) => {
  const g = new WorkflowGraph();
  for (const it of items) {
    if (it.kind === 'operator') g.addOperator(it.o);
    else if (it.kind === 'parallel') g.addParallel(it.ops);
    else if (it.kind === 'conditional') g.addConditional(it.c, it.t, it.f);
    else g.addLoop(it.ops, it.n);
  }
  return g;
});

function shape(g: WorkflowGraph): unknown {
  return g.snapshot().nodes;
}

describe('DSL properties (fast-check)', () => {
  it('render(parse(render(g))) === render(g)', () => {
    fc.assert(
      fc.property(graphArb, (g) => renderDsl(parseDsl(renderDsl(g))) === renderDsl(g)),
      { numRuns: 1000 },
    );
  });

  it('parse(render(g)) rebuilds the same nodes, ids included', () => {
    fc.assert(
      fc.property(graphArb, (g) => {
        expect(shape(parseDsl(renderDsl(g)))).toEqual(shape(g));
      }),
      { numRuns: 1000 },
    );
  });

  it('parse never throws anything but DslError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        try {
          parseDsl(text);
        } catch (error) {
          expect(error).toBeInstanceOf(DslError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('statistics agree with the rendered DSL', () => {
    fc.assert(
      fc.property(graphArb, (g) => {
        const stats = g.statistics();
        expect(stats.dslLength).toBe(renderDsl(g).length);
        expect(stats.totalOperators).toBe(g.operatorNodes().length);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('toMermaid', () => {
  it('draws operators, parallel subgraphs, conditional diamonds and loop back edges', () => {
    const text = toMermaid(parseDsl('Plan -> [Custom, Programmer] -> ScEnsemble -> Verify ? Revise : done -> (Review -> Revise) * 2'));
    expect(text.split('\n')).toEqual(expect.arrayContaining([
      'flowchart TD',
      '  start --> node_1',
      '  subgraph node_2["parallel node_2"]',
      '  node_1 --> node_2_p0',
      '  node_1 --> node_2_p1',
      '  node_2_p0 --> node_3',
      '  node_4_cond{"Verify?"}',
      '  node_4_cond -->|fail| node_4_true',
      '  node_5_l0 --> node_5_l1',
      '  node_5_l1 -.->|repeat x2| node_5_l0',
      '  node_5_l1 --> finish',
    ]));
  });
});
