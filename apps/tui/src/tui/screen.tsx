import { Box, Text } from 'ink';
import { terminalSafeLine } from '@flowsteer/core';
import type { OrchestrationSession } from '../session/session.js';
import { keyHint } from './keymap.js';
import { splitAtCursor } from './line-editor.js';
import type { UiState } from './reducer.js';
import { activityLines, fitPane, helpLines, Rows, traceLines, workflowLines, type Line } from './view.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface ScreenProps {
  readonly ui: UiState;
  readonly session: OrchestrationSession | undefined;
  readonly busy: boolean;
  readonly running: { readonly what: string; readonly since: number } | undefined;
  readonly health: { readonly policy?: string; readonly executor?: string };
  readonly tick: number;
  readonly taskType: string;
  readonly columns: number;
  readonly rows: number;
  readonly runtimeLabel: string;
  readonly runtimeHint: string;
  readonly savedCount: number;
}

/**
 * The whole screen, sized to the terminal: a pinned header, the panes (or an overlay), the status
 * line and the keys or the text field. Every row is one terminal line, so nothing scrolls off.
 */
export function Screen(props: ScreenProps): React.JSX.Element {
  const { ui, session, busy, running, health, tick, taskType, columns, rows } = props;
  const width = Math.max(20, columns);
  const height = Math.max(10, rows - 1);
  const header: Line[] = [
    { text: terminalSafeLine(`FlowSteer${session === undefined ? '' : ` · session ${session.id} · [${session.task.type}] ${session.task.problem}`}`), bold: true, color: 'cyan' },
    { text: terminalSafeLine(props.runtimeLabel), dim: true },
  ];
  const spinner = busy ? `${SPINNER[tick % SPINNER.length]} ` : '';
  const elapsed = running === undefined ? '' : ` ${((Date.now() - running.since) / 1000).toFixed(1)}s`;
  const healthText = [health.policy === undefined ? '' : `policy ${health.policy === 'ok' ? '✓' : '✗'}`, health.executor === undefined ? '' : `executor ${health.executor === 'ok' ? '✓' : '✗'}`].filter((p) => p !== '').join(' ');
  const statusBar: Line = {
    text: terminalSafeLine(
      [
        ui.quitting !== undefined ? (busy ? `${spinner}cancelling… quitting` : 'quitting') : `${spinner}${busy ? `${running?.what ?? 'working'}${elapsed}` : session === undefined ? 'no session yet' : ui.mode}`,
        session?.runningNode === undefined ? '' : `running ${session.runningNode}`,
        session === undefined ? '' : `turn ${session.round}${session.maxRounds === undefined ? '' : `/${session.maxRounds}`}`,
        session === undefined ? '' : `${session.tokens} tokens`,
        session === undefined ? '' : session.done ? 'finished' : session.awaitingPrompt ? 'awaiting a prompt' : '',
        healthText,
      ]
        .filter((p) => p !== '')
        .join(' · '),
    ),
    inverse: true,
  };
  const statusRow: Line = ui.status.text === '' ? { text: '' } : { text: terminalSafeLine(ui.status.text), color: ui.status.tone === 'error' ? 'red' : ui.status.tone === 'ok' ? 'green' : 'yellow' };

  let footer: Line[];
  let editorRows: React.JSX.Element | undefined;
  if (ui.overlay.kind === 'editor') {
    const label =
      ui.overlay.purpose === 'task'
        ? `Give the Flow-Director a task (Enter starts, Tab changes the type: ${taskType}${(props.savedCount) > 0 ? `, Ctrl-R resumes one of ${props.savedCount} saved sessions` : ''})`
        : ui.overlay.purpose === 'prompt'
          ? `prompt of ${ui.overlay.nodeId ?? ''} (Enter applies, Esc cancels, Ctrl-G $EDITOR)`
          : session?.awaitingPrompt === true
            ? 'write the prompt the canvas is waiting for (Enter sends, Esc cancels, Alt-Enter new line)'
            : 'your action: add X · parallel A,B · cond Verify Revise · loop A,B 2 · del ID · mod ID X · prompt ID text · finish · or XML';
    const prefix = ui.overlay.purpose === 'task' ? 'task> ' : 'you> ';
    const { before, under, after } = splitAtCursor(ui.overlay.editor);
    const safe = (t: string) => terminalSafe4Editor(t);
    const shown = `${safe(before)}\u0000${safe(under === '\n' ? ' \n' : under === '' ? ' ' : under)}\u0000${safe(after)}`;
    const lines = shown.split('\n');
    const cursorLine = lines.findIndex((l) => l.includes('\u0000'));
    const visible = lines.slice(Math.max(0, Math.min(cursorLine - 1, lines.length - 3)), Math.max(0, Math.min(cursorLine - 1, lines.length - 3)) + 3);
    editorRows = (
      <Box flexDirection="column">
        <Text dimColor wrap="truncate-end">
          {terminalSafeLine(label)}
        </Text>
        {visible.map((row, i) => {
          const [a = '', b, c = ''] = row.split('\u0000');
          const head = i === 0 ? prefix : ' '.repeat(prefix.length);
          return (
            <Text key={i} wrap="truncate-start">
              {head}
              {a}
              {b === undefined ? null : <Text inverse>{b === '' ? ' ' : b}</Text>}
              {c}
            </Text>
          );
        })}
      </Box>
    );
    footer = [statusRow, statusBar];
  } else {
    footer = [statusRow, statusBar, { text: keyHint(width, busy), dim: true }];
  }
  const editorHeight = editorRows === undefined ? 0 : 1 + Math.min(3, ui.overlay.kind === 'editor' ? ui.overlay.editor.text.split('\n').length : 1);
  const bodyHeight = Math.max(2, height - header.length - footer.length - editorHeight);

  let body: Line[];
  if (ui.overlay.kind === 'help') {
    body = fitPane('Help', helpLines({ busy, awaitingPrompt: session?.awaitingPrompt ?? false, done: session?.done ?? false, hint: props.runtimeHint }), bodyHeight, ui.overlay.scroll, true, width).rows;
  } else if (ui.overlay.kind === 'trace') {
    body = fitPane('Trace', traceLines(session?.final), bodyHeight, ui.overlay.scroll, true, width).rows;
  } else if (ui.overlay.kind === 'picker') {
    const picker = ui.overlay;
    const items: Line[] = picker.items.map((item, i) => ({ text: `${i === picker.index ? '›' : ' '} ${terminalSafeLine(item.label)}`, ...(i === picker.index ? { inverse: true } : {}), ...(item.disabled === undefined ? {} : { dim: true }) }));
    const scroll = Math.max(0, picker.index - (bodyHeight - 2));
    body = fitPane(picker.title, items, bodyHeight, scroll, true, width).rows;
  } else if (session === undefined) {
    body = fitPane('Start', [{ text: terminalSafeLine(props.runtimeHint), dim: true }, { text: '' }, { text: `type: ${taskType}`, color: 'yellow' }], bodyHeight, 0, false, width).rows;
  } else {
    const flow = workflowLines(session);
    const activity = activityLines(session);
    const flowHeight = Math.min(flow.length + 1, Math.max(3, Math.floor(bodyHeight * 0.45)));
    const activityHeight = bodyHeight - flowHeight;
    body = [
      ...fitPane(session.workflow === undefined ? 'Workflow' : `Workflow · ${session.workflow.graph.operatorNodes().length} nodes`, flow, flowHeight, ui.scroll.workflow, ui.focus === 'workflow', width).rows,
      ...fitPane('Activity', activity, activityHeight, ui.scroll.activity, ui.focus === 'activity', width).rows,
    ];
  }

  return (
    <Box flexDirection="column" width={width}>
      <Rows rows={header} />
      <Rows rows={body} />
      <Rows rows={footer} />
      {editorRows}
    </Box>
  );
}

/** Editor text shown as typed, minus anything the terminal would act on. */
function terminalSafe4Editor(text: string): string {
  return text
    .split('\n')
    .map((row) => terminalSafeLine(row))
    .join('\n');
}
