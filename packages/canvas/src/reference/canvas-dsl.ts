import { WorkflowGraph, type GraphOptions } from '../graph.js';

/**
 * The reference canvas-side parser (`create_workflow_from_dsl`), kept for conformance: it splits on
 * every "->" (so multi-operator loops fail), silently drops unknown parts, defaults a bad loop
 * count to 3, and returns null on any structure error or an empty result.
 */
export function parseDslReference(source: string, options: GraphOptions = {}): WorkflowGraph | null {
  if (source.trim() === '') return null;
  const graph = new WorkflowGraph(options);
  for (const rawPart of source.split('->')) {
    const part = rawPart.trim();
    if (part === '') continue;
    if (part.startsWith('[') && part.endsWith(']')) {
      // Empty items are kept (`[A, B,]`), so the parallel is rejected as the reference does.
      const operators = part.slice(1, -1).split(',').map((s) => s.trim());
      if (!graph.addParallel(operators).success) return null;
    } else if (part.startsWith('(') && part.includes('*')) {
      const pieces = part.split('*');
      if (pieces.length !== 2) continue;
      const body = (pieces[0] as string).trim().replace(/^[()]+|[()]+$/g, '').trim();
      const countText = (pieces[1] as string).trim();
      const count = /^[+-]?\d+$/.test(countText) ? Number.parseInt(countText, 10) : 3;
      const operators = body.split('->').map((s) => s.trim()).filter((s) => s !== '');
      if (!graph.addLoop(operators, count).success) return null;
    } else if (part.includes('?') && part.includes(':')) {
      const q = part.indexOf('?');
      const c = part.indexOf(':');
      const condition = part.slice(0, q).trim();
      const trueBranch = part.slice(q + 1, c).trim();
      const falseRaw = part.slice(c + 1).trim();
      const falseBranch = falseRaw === '' || falseRaw.toLowerCase() === 'done' ? undefined : falseRaw;
      if (!graph.addConditional(condition, trueBranch, falseBranch).success) return null;
    } else if (graph.isValidOperator(part)) {
      graph.addOperator(part);
    }
  }
  return graph.nodes.length === 0 ? null : graph;
}
