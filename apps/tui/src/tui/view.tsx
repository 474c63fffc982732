import { Box, Text } from 'ink';
import { terminalSafe, terminalSafeLine } from '@flowsteer/core';
import type { WorkflowNode } from '@flowsteer/canvas';
import type { FinalRun, OrchestrationSession } from '../session/session.js';
import { rejectionReason } from '../session/human.js';
import { MAIN_BINDINGS } from './keymap.js';

/** One screen row. Every text that reaches a row went through terminalSafeLine. */
export interface Line {
  readonly text: string;
  readonly color?: string;
  readonly dim?: boolean;
  readonly bold?: boolean;
  readonly inverse?: boolean;
}

const line = (text: string, style: Omit<Line, 'text'> = {}): Line => ({ text: terminalSafeLine(text), ...style });

/** Multi-line model text as rows, each cleaned. */
function textRows(text: string, style: Omit<Line, 'text'> = {}, max = Number.POSITIVE_INFINITY, indent = '  '): Line[] {
  return terminalSafe(text)
    .split('\n')
    .filter((row) => row.trim() !== '')
    .slice(0, max)
    .map((row) => line(`${indent}${row}`, style));
}

function nodeRows(node: WorkflowNode): string[] {
  const branch = (i: number, n: number): string => (i === n - 1 ? '└' : '├');
  switch (node.type) {
    case 'operator':
      return [`${node.id.padEnd(12)} ${node.operator}${node.prompt === undefined ? '' : '  ✎'}`];
    case 'parallel':
      return [`${node.id.padEnd(12)} parallel`, ...node.children.map((c, i) => `  ${branch(i, node.children.length)} ${c.id.padEnd(10)} ${c.operator}${c.prompt === undefined ? '' : '  ✎'}`)];
    case 'conditional':
      return [
        `${node.id.padEnd(12)} ${node.condition.operator} ? ${node.trueBranch.operator} : ${node.falseBranch?.operator ?? 'done'}`,
        `  ├ check      ${node.condition.id} ${node.condition.operator}`,
        `  ${node.falseBranch === undefined ? '└' : '├'} on fail    ${node.trueBranch.id} ${node.trueBranch.operator}`,
        ...(node.falseBranch === undefined ? [] : [`  └ on pass    ${node.falseBranch.id} ${node.falseBranch.operator}`]),
      ];
    case 'loop':
      return [`${node.id.padEnd(12)} loop ×${node.count}`, ...node.children.map((c, i) => `  ${branch(i, node.children.length)} ${c.id.padEnd(10)} ${c.operator}`)];
  }
}

export function workflowLines(session: OrchestrationSession): Line[] {
  const graph = session.workflow?.graph;
  if (graph === undefined) return [line(session.dsl === '' ? '(nothing yet — space lets the policy act)' : session.dsl, { bold: true })];
  const dsl = graph.toDsl();
  return [line(dsl === '' ? '(empty — space lets the policy act, o adds an operator)' : dsl, { bold: true }), ...graph.nodes.flatMap(nodeRows).map((row) => line(row))];
}

export function activityLines(session: OrchestrationSession): Line[] {
  // Newest and most important first, so a short pane still shows them: the answer, then what
  // nodes are streaming, then the last turn.
  const rows: Line[] = [];
  const final = session.currentFinal;
  if (final !== undefined) rows.push(line(`answer: ${final.success ? final.answer : `(failed) ${final.detail ?? ''}`}`, { color: final.success ? 'green' : 'red', bold: true }));
  else if (session.final !== undefined) rows.push(line('the workflow changed since the last run — r runs it again', { dim: true }));
  const outputs = [...session.nodeOutputs().entries()].filter(([, text]) => text !== '').slice(-4);
  for (const [nodeId, text] of outputs) rows.push(line(`▸ ${nodeId}: ${text.replace(/\s+/g, ' ').slice(-300)}`));
  const last = session.turns[session.turns.length - 1];
  if (last === undefined) rows.push(line('no turns yet — press space to let the policy act, or h to act yourself', { dim: true }));
  else {
    const who = last.driver === 'human' ? 'you' : session.policyId;
    rows.push(line(`turn ${last.round} · ${who} · ${last.kind} · ${last.accepted ? 'accepted' : 'rejected'}`, { color: last.accepted ? 'green' : 'red' }));
    if (!last.accepted && last.driver === 'human') rows.push(line(`why: ${rejectionReason(last.feedback)}`, { color: 'red' }));
    if (last.reasoning !== undefined) rows.push(line(`reasoning: ${last.reasoning}`, { dim: true }));
    rows.push(line(last.kind === 'prompt' ? `prompt: ${last.text}` : `action: ${last.text}`));
    rows.push(
      ...terminalSafe(last.feedback)
        .split('\n')
        .filter((row) => row.trim() !== '' && row !== '<feedback>' && row !== '</feedback>' && !/^=+$/.test(row))
        .slice(0, 12)
        .map((row) => line(row, { dim: true })),
    );
  }
  return rows;
}

export function helpLines(context: { busy: boolean; awaitingPrompt: boolean; done: boolean; hint: string }): Line[] {
  const rows: Line[] = [line('Keys (↑/↓ scroll, any other key closes this)', { bold: true })];
  if (context.busy) rows.push(line('Now: work is running — esc cancels it, q cancels and quits.', { color: 'yellow' }));
  else if (context.awaitingPrompt) rows.push(line('Now: the canvas waits for an operator prompt — space lets the policy write it, h writes it yourself.', { color: 'yellow' }));
  else if (context.done) rows.push(line('Now: the workflow is finished — r runs it, u undoes the finish.', { color: 'yellow' }));
  for (const binding of MAIN_BINDINGS) rows.push(line(`${binding.keys.padEnd(14)} ${binding.help}`));
  rows.push(line('In a text field: ←/→ Home/End Ctrl-A/E move · Ctrl-U/K/W delete · ↑/↓ history · Alt-Enter new line · Ctrl-G $EDITOR · Esc cancel', { dim: true }));
  rows.push(line(context.hint, { dim: true }));
  return rows;
}

export function traceLines(final: FinalRun | undefined): Line[] {
  if (final === undefined) return [line('no run yet — r runs the workflow, then t shows what each node did', { dim: true })];
  if (final.trace === undefined || final.trace.length === 0) return [line(`the last run executed no nodes${final.detail === undefined ? '' : ` (${final.detail})`}`, { dim: true })];
  const rows: Line[] = [line(`Trace of ${final.dsl ?? 'the last run'} (↑/↓ scroll, esc closes)`, { bold: true })];
  for (const node of final.trace) {
    rows.push(line(`${node.ok ? '✓' : '✗'} ${node.nodeId} ${node.operator} · ${node.tokens} tokens · ${Math.round(node.latencyMs)} ms${node.attempts > 1 ? ` · ${node.attempts} attempts` : ''}`, { color: node.ok ? 'green' : 'red' }));
    if (node.prompt !== undefined) rows.push(line(`  prompt: ${node.prompt}`, { dim: true }));
    if (node.error !== undefined) rows.push(line(`  error: ${node.error}`, { color: 'red' }));
    rows.push(...textRows(node.output, {}, 8, '  │ '));
  }
  return rows;
}

/** A titled pane of exactly `height` rows (title included), scrolled; returns the clamped scroll. */
export function fitPane(title: string, rows: readonly Line[], height: number, scroll: number, focused: boolean, width: number): { rows: Line[]; scroll: number } {
  const body = Math.max(0, height - 1);
  const maxScroll = Math.max(0, rows.length - body);
  const top = Math.min(scroll, maxScroll);
  const shown = rows.slice(top, top + body);
  const position = rows.length > body ? ` ${top + 1}-${top + shown.length}/${rows.length}` : '';
  const head = `─ ${title}${position} `;
  const titleRow: Line = { text: `${head}${'─'.repeat(Math.max(0, width - head.length))}`, ...(focused ? { color: 'cyan' } : { dim: true }) };
  return { rows: [titleRow, ...shown, ...Array.from({ length: body - shown.length }, () => ({ text: '' }))], scroll: top };
}

export function Rows({ rows }: { rows: readonly Line[] }): React.JSX.Element {
  return (
    <Box flexDirection="column">
      {rows.map((row, i) => (
        <Text key={i} wrap="truncate-end" {...(row.color === undefined ? {} : { color: row.color })} dimColor={row.dim === true} bold={row.bold === true} inverse={row.inverse === true}>
          {row.text === '' ? ' ' : row.text}
        </Text>
      ))}
    </Box>
  );
}
