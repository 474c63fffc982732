import type { OperatorNode, WorkflowGraph, WorkflowNode } from './graph.js';

function label(node: OperatorNode): string {
  return `${node.id}["${node.operator}"]`;
}

/**
 * Mermaid flowchart of a workflow: operators are boxes, a conditional's checker is a diamond
 * with `fail` / `pass` edges, a loop is a subgraph with a back edge labelled with its count.
 */
export function toMermaid(graph: WorkflowGraph): string {
  const lines = ['flowchart TD', '  start(["task"])'];
  let entries = ['start'];
  const connect = (from: readonly string[], to: string, edgeLabel?: string): void => {
    for (const source of from) lines.push(edgeLabel === undefined ? `  ${source} --> ${to}` : `  ${source} -->|${edgeLabel}| ${to}`);
  };
  for (const node of graph.nodes as readonly WorkflowNode[]) {
    switch (node.type) {
      case 'operator':
        lines.push(`  ${label(node)}`);
        connect(entries, node.id);
        entries = [node.id];
        break;
      case 'parallel':
        lines.push(`  subgraph ${node.id}["parallel ${node.id}"]`, ...node.children.map((c) => `    ${label(c)}`), '  end');
        for (const child of node.children) connect(entries, child.id);
        entries = node.children.map((c) => c.id);
        break;
      case 'conditional': {
        lines.push(`  ${node.condition.id}{"${node.condition.operator}?"}`, `  ${label(node.trueBranch)}`);
        connect(entries, node.condition.id);
        lines.push(`  ${node.condition.id} -->|fail| ${node.trueBranch.id}`);
        if (node.falseBranch !== undefined) {
          lines.push(`  ${label(node.falseBranch)}`, `  ${node.condition.id} -->|pass| ${node.falseBranch.id}`);
          entries = [node.trueBranch.id, node.falseBranch.id];
        } else {
          entries = [node.trueBranch.id, node.condition.id];
        }
        break;
      }
      case 'loop': {
        lines.push(`  subgraph ${node.id}["loop ${node.id} x${node.count}"]`, ...node.children.map((c) => `    ${label(c)}`), '  end');
        const first = node.children[0];
        const last = node.children[node.children.length - 1];
        if (first === undefined || last === undefined) break;
        connect(entries, first.id);
        node.children.slice(1).forEach((child, i) => lines.push(`  ${node.children[i]?.id} --> ${child.id}`));
        lines.push(`  ${last.id} -.->|repeat x${node.count}| ${first.id}`);
        entries = [last.id];
        break;
      }
    }
  }
  lines.push('  finish(["answer"])');
  connect(entries, 'finish');
  return lines.join('\n');
}
