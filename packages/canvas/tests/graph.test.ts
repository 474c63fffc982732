import { describe, expect, it } from 'vitest';
import { WorkflowGraph } from '../src/index.js';

const ALL = 'Aggregate, AnswerGenerate, Custom, CustomCodeGenerate, Decompose, Format, MdEnsemble, Plan, Programmer, Review, Revise, ScEnsemble, Test, Verify';

describe('WorkflowGraph (spec §12.1)', () => {
  it('G1/G2: ids, messages, DSL, map keys, statistics and node list', () => {
    const g = new WorkflowGraph();
    expect(g.addOperator('Plan')).toEqual({ success: true, nodeId: 'node_1', message: 'Added Plan at end' });
    expect(g.addParallel(['Custom', 'Programmer', 'Custom'])).toEqual({ success: true, nodeId: 'node_2', message: 'Added parallel [Custom, Programmer, Custom]' });
    expect(g.addOperator('ScEnsemble').nodeId).toBe('node_3');
    expect(g.addConditional('Review', 'Revise')).toEqual({ success: true, nodeId: 'node_4', message: 'Added conditional: Review ? Revise : done' });
    expect(g.toDsl()).toBe('Plan -> [Custom, Programmer, Custom] -> ScEnsemble -> Review ? Revise : done');
    expect(g.snapshot().reachable).toEqual(['node_1', 'node_2', 'node_2_p0', 'node_2_p1', 'node_2_p2', 'node_3', 'node_4', 'node_4_cond', 'node_4_true']);
    expect(g.statistics()).toEqual({
      operatorList: ['Plan', 'Custom', 'Programmer', 'Custom', 'ScEnsemble', 'Review', 'Revise'],
      totalOperators: 7,
      uniqueTypes: 6,
      hasParallel: true,
      hasConditional: true,
      hasLoop: false,
      nodeCount: 4,
      dslLength: 76,
    });
    expect(g.nodeList()).toEqual([
      'node_1: Plan (operator)',
      'node_2: [Custom, Programmer, Custom] (parallel)',
      'node_3: ScEnsemble (operator)',
      'node_4: Review ? Revise : done (conditional)',
    ]);
  });

  it('G3: children can be modified and prompted but not removed', () => {
    const g = new WorkflowGraph();
    g.addOperator('Plan');
    g.addParallel(['Custom', 'Programmer', 'Custom']);
    expect(g.removeNode('node_2_p0')).toEqual({ success: false, message: 'Cannot remove child node node_2_p0. Remove parent node instead.' });
    expect(g.modifyNode('node_2_p1', 'Verify').message).toBe('Modified node_2_p1: Programmer -> Verify');
    expect(g.toDsl()).toBe('Plan -> [Custom, Verify, Custom]');
    expect(g.setNodePrompt('node_2_p1', 'Check it')).toEqual({ success: true, nodeId: 'node_2_p1', operator: 'Verify', message: 'Set custom prompt for Verify (node_2_p1)' });
  });

  it('G4/G5: loops and their limits', () => {
    const g = new WorkflowGraph();
    expect(g.addLoop(['Review', 'Revise'], 3).message).toBe('Added loop: (Review -> Revise) * 3');
    expect(g.addLoop(['Custom'], 1).message).toBe('Added loop: (Custom) * 1');
    expect(g.toDsl()).toBe('(Review -> Revise) * 3 -> (Custom) * 1');
    expect(g.addLoop(['Custom'], 11).message).toBe('Loop count must be between 1 and 10');
    expect(g.addLoop([], 3).message).toBe('Loop requires at least 1 operator');
  });

  it('G6/G7: parallel and operator validation, in the reference order', () => {
    const g = new WorkflowGraph();
    expect(g.addParallel(['Custom']).message).toBe('Parallel structure requires at least 2 operators');
    expect(g.addParallel(['ScEnsemble']).message).toBe('ScEnsemble cannot be inside parallel. Add them AFTER the parallel block.');
    expect(g.addParallel(['Custom', 'Aggregate', 'MdEnsemble']).message).toBe('Aggregate, MdEnsemble cannot be inside parallel. Add them AFTER the parallel block.');
    expect(g.addParallel(['Custom', 'Foo']).message).toBe('Invalid operators: Foo');
    expect(g.addOperator('custom')).toEqual({ success: false, message: `Invalid operator: custom. Valid operators: ${ALL}` });
    expect(g.nodes).toHaveLength(0);
  });

  it('G8: positions, unknown children, non-operator edits, done is not an operator', () => {
    const g = new WorkflowGraph();
    g.addLoop(['Review', 'Revise'], 3);
    g.addLoop(['Custom'], 1);
    expect(g.addConditional('Review', 'Revise', 'Format', 0).nodeId).toBe('node_3');
    expect(g.toDsl()).toBe('Review ? Revise : Format -> (Review -> Revise) * 3 -> (Custom) * 1');
    expect(g.removeNode('node_1_cond').message).toBe('Node node_1_cond not found');
    expect(g.modifyNode('node_1', 'Programmer').message).toBe('Cannot modify non-operator node node_1');
    expect(g.setNodePrompt('node_1', 'x').message).toBe('Cannot set prompt for non-operator node node_1');
    expect(g.addConditional('Review', 'done').message).toBe('Invalid operators: done');
  });

  it('G9 (reference ids): ids repeat after deletion and a node becomes unreachable', () => {
    const g = new WorkflowGraph({ idScheme: 'positional' });
    g.addOperator('Plan');
    g.addOperator('Custom');
    g.removeNode('node_1');
    expect(g.addOperator('Verify').nodeId).toBe('node_2');
    expect(g.nodes.map((n) => n.id)).toEqual(['node_2', 'node_2']);
    expect(g.toDsl()).toBe('Custom -> Verify');
    g.removeNode('node_2');
    expect(g.toDsl()).toBe('Verify');
    expect(g.setNodePrompt('node_2', 'hello').message).toBe('Node node_2 not found');
  });

  it('G9 (default ids): ids are never reused, so every node stays reachable', () => {
    const g = new WorkflowGraph();
    g.addOperator('Plan');
    g.addOperator('Custom');
    g.removeNode('node_1');
    expect(g.addOperator('Verify').nodeId).toBe('node_3');
    g.removeNode('node_2');
    expect(g.toDsl()).toBe('Verify');
    expect(g.setNodePrompt('node_3', 'hello').success).toBe(true);
  });

  it('G10: insert positions are clamped and reported', () => {
    const g = new WorkflowGraph();
    g.addOperator('Custom');
    expect(g.addOperator('Plan', 0)).toMatchObject({ nodeId: 'node_2', message: 'Added Plan at position 0' });
    expect(g.addOperator('Format', 99)).toMatchObject({ nodeId: 'node_3', message: 'Added Format at end' });
    expect(g.addOperator('Verify', -5)).toMatchObject({ nodeId: 'node_4', message: 'Added Verify at position 0' });
    expect(g.toDsl()).toBe('Verify -> Plan -> Custom -> Format');
    expect(g.nodes.map((n) => n.id)).toEqual(['node_4', 'node_2', 'node_1', 'node_3']);
  });

  it('snapshots and restores a graph, including unreachable positional duplicates', () => {
    const g = new WorkflowGraph({ idScheme: 'positional' });
    g.addOperator('Plan');
    g.addOperator('Custom');
    g.removeNode('node_1');
    g.addOperator('Verify');
    g.setNodePrompt('node_2', 'verify it');
    const copy = WorkflowGraph.restore(JSON.parse(JSON.stringify(g.snapshot())));
    expect(copy.toDsl()).toBe(g.toDsl());
    expect(copy.prompts()).toEqual(g.prompts());
    expect(copy.addOperator('Format').nodeId).toBe('node_3');
  });
});
