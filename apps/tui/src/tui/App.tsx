import { useApp, useStdout } from 'ink';
import { useEffect, useReducer, useRef, useState } from 'react';
import { AbortError, describeError, terminalSafeLine } from '@flowsteer/core';
import { checkHumanInput, expandShorthand, rejectionReason } from '../session/human.js';
import type { OrchestrationSession, SessionSummary } from '../session/session.js';
import type { CanvasEnv } from '@flowsteer/canvas';
import type { Key } from './keys.js';
import { commandFor, type Command } from './keymap.js';
import { editorState } from './line-editor.js';
import { editKey, initialUi, uiReducer, type EditorPurpose, type Mode, type PickerItem, type Tone } from './reducer.js';
import { Screen } from './screen.js';
import { useKeys } from './use-keys.js';

export type { Mode } from './reducer.js';
export const TASK_TYPES = ['math', 'qa', 'code', 'reasoning'] as const;
export type QuitHow = 'quit' | 'interrupt';

export interface AppProps {
  /** An existing session (resume), or undefined to ask for a task first. */
  readonly session?: OrchestrationSession;
  readonly start?: (problem: string, type: string) => Promise<OrchestrationSession>;
  /** Opens a saved session by id (the session picker). */
  readonly resume?: (id: string) => Promise<OrchestrationSession>;
  readonly savedSessions?: readonly SessionSummary[];
  /** Open the session picker first. */
  readonly pickSession?: boolean;
  readonly runtimeLabel: string;
  readonly runtimeHint: string;
  /** Writes exports; returns the paths written. */
  readonly exportWorkflow?: (session: OrchestrationSession) => Promise<readonly string[]>;
  /** Edits text in $EDITOR; undefined when no editor could run. */
  readonly editText?: (text: string) => string | undefined;
  readonly initialTask?: string;
  readonly initialType?: string;
  /** Delay between automatic turns, so a person can watch. */
  readonly autoDelayMs?: number;
  /** Called once, after running work was cancelled and settled, just before the app exits. */
  readonly onQuit?: (how: QuitHow, session: OrchestrationSession | undefined) => void;
  /** Aborted when the process is told to stop (SIGINT/SIGTERM): quits as Ctrl-C does. */
  readonly quitSignal?: AbortSignal;
  /** A fixed terminal size instead of the output stream's (tests). */
  readonly size?: { readonly columns: number; readonly rows: number };
}

const PAGE = 5;

function useTerminalSize(fixed: AppProps['size']): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => fixed ?? { columns: stdout.columns ?? 100, rows: stdout.rows ?? 40 };
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = (): void => setSize(read());
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  });
  return size;
}

const isAbort = (error: unknown): boolean => error instanceof AbortError || (error instanceof Error && error.name === 'AbortError');

export function App(props: AppProps): React.JSX.Element {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize(props.size);
  const [session, setSession] = useState<OrchestrationSession | undefined>(props.session);
  const [, setVersion] = useState(0);
  const [ui, dispatch] = useReducer(
    uiReducer,
    undefined,
    () => {
      const base = initialUi(props.session === undefined ? { editor: { purpose: 'task', text: props.initialTask ?? '' } } : {});
      if (props.pickSession === true && props.session === undefined) return { ...base, overlay: sessionPicker(props.savedSessions ?? []) };
      return base;
    },
  );
  const [taskType, setTaskType] = useState<string>(props.initialType ?? 'math');
  // Work runs one piece at a time, in the order the keys were pressed. Each piece carries the
  // signal of the controller current when it was queued: Esc aborts that one (and so everything
  // queued behind it) and starts a fresh controller.
  const [pending, setPending] = useState(0);
  const [running, setRunning] = useState<{ what: string; since: number } | undefined>();
  const [health, setHealth] = useState<{ policy?: string; executor?: string }>({});
  const [tick, setTick] = useState(0);
  const busy = pending > 0;
  const queue = useRef<Promise<void>>(Promise.resolve());
  const controller = useRef(new AbortController());
  const uiRef = useRef(ui);
  uiRef.current = ui;
  const sessionRef = useRef(session);
  sessionRef.current = session;
  const busyRef = useRef(busy);
  busyRef.current = busy;

  useEffect(() => session?.subscribe(() => setVersion((v) => v + 1)), [session]);
  useEffect(() => {
    if (session === undefined) return;
    const off = session.events.on('node.finished', (e) => setHealth((h) => ({ ...h, executor: e.ok ? 'ok' : (e.error ?? 'failed') })));
    return off;
  }, [session]);
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(() => setTick((t) => t + 1), 120);
    return () => clearInterval(timer);
  }, [busy]);

  const say = (text: string, tone: Tone = 'info'): void => dispatch({ type: 'status', text, tone });
  const setMode = (mode: Mode): void => dispatch({ type: 'mode', mode });

  const work = (what: string, job: (signal: AbortSignal) => Promise<void>): Promise<void> => {
    const signal = controller.current.signal;
    setPending((n) => n + 1);
    queue.current = queue.current.then(async () => {
      try {
        if (signal.aborted) return;
        setRunning({ what, since: Date.now() });
        await job(signal);
      } catch (error) {
        if (signal.aborted || isAbort(error)) say(`${what} cancelled — nothing was saved from it`);
        else {
          say(`${what} failed: ${describeError(error)}`, 'error');
          if (what === 'policy turn') setHealth((h) => ({ ...h, policy: describeError(error) }));
        }
        setMode('paused');
      } finally {
        setRunning(undefined);
        setPending((n) => n - 1);
      }
    });
    return queue.current;
  };

  const cancel = (): boolean => {
    if (!busyRef.current) return false;
    controller.current.abort(new AbortError('cancelled by you'));
    controller.current = new AbortController();
    setMode('paused');
    say('cancelling…');
    return true;
  };

  const quit = (how: QuitHow): void => {
    if (uiRef.current.quitting !== undefined && how !== 'interrupt') return;
    dispatch({ type: 'quit', how });
    cancel();
    void queue.current.then(() => {
      props.onQuit?.(how, sessionRef.current);
      exit();
    });
  };

  useEffect(() => {
    const signal = props.quitSignal;
    if (signal === undefined) return;
    const onStop = (): void => quit('interrupt');
    if (signal.aborted) onStop();
    signal.addEventListener('abort', onStop, { once: true });
    return () => signal.removeEventListener('abort', onStop);
  }, [props.quitSignal]);

  // Automatic mode: keep stepping until done or paused.
  useEffect(() => {
    if (ui.mode !== 'auto' || busy || session === undefined || ui.quitting !== undefined) return;
    if (session.done) {
      setMode('step');
      say('workflow finished — press r to run it', 'ok');
      return;
    }
    const timer = setTimeout(() => {
      if (uiRef.current.mode !== 'auto') return;
      void work('policy turn', async (signal) => {
        await session.step(signal);
        setHealth((h) => ({ ...h, policy: 'ok' }));
      });
    }, props.autoDelayMs ?? 150);
    return () => clearTimeout(timer);
  });

  const openEditor = (purpose: EditorPurpose, text = '', nodeId?: string): void =>
    dispatch({ type: 'open', overlay: { kind: 'editor', purpose, editor: editorState(text, purpose === 'prompt' ? 0 : uiRef.current.history.length), ...(nodeId === undefined ? {} : { nodeId }) } });

  const facts = (w: CanvasEnv, s: OrchestrationSession) => ({
    operators: w.operatorSpecs.map((o) => o.name),
    nodeIds: [...new Set([...w.graph.nodes.map((n) => n.id), ...w.graph.operatorNodes().map((n) => n.id)])],
    awaitingPrompt: s.awaitingPrompt,
  });

  /** Keys that edit the graph need the built-in canvas; a plugin canvas takes typed actions only. */
  const noGraph = 'this canvas (canvas.use) has no graph to edit here — h types an action for it';

  const awaitedHint = (s: OrchestrationSession): string => {
    const pending = s.workflow?.state.pending;
    const operator = pending === undefined ? undefined : pending.kind === 'children' ? pending.targets[pending.cursor]?.operator : pending.operator;
    return `the canvas is waiting for a prompt for ${operator ?? 'the new node'}: space lets the policy write it, h writes it yourself`;
  };

  const submitEditor = (purpose: EditorPurpose, text: string, nodeId: string | undefined): void => {
    if (purpose === 'task') {
      if (text.trim() === '') {
        say('type the task first (Enter starts, Tab changes the type)', 'error');
        openEditor('task');
        return;
      }
      if (props.start === undefined) return;
      dispatch({ type: 'remember', line: text });
      void work('start', async () => {
        const started = await props.start!(text.trim(), taskType);
        setSession(started);
        say(`session ${started.id} started`);
      });
      return;
    }
    const s = sessionRef.current;
    if (s === undefined) return;
    if (purpose === 'prompt') {
      const id = nodeId ?? '';
      const current = s.workflow?.graph.prompts()[id]?.prompt ?? '';
      if (text.trim() === '' || text.trim() === current.trim()) {
        say(`prompt of ${id} unchanged`);
        return;
      }
      void work('edit prompt', async (signal) => {
        const turn = await s.setPrompt(id, text.trim(), signal);
        say(turn?.accepted === true ? `prompt of ${id} updated` : `prompt not set: ${rejectionReason(turn?.feedback ?? '')}`, turn?.accepted === true ? 'ok' : 'error');
      });
      return;
    }
    // A plugin canvas judges its own input: nothing to check it against here.
    const slip = s.workflow === undefined ? undefined : checkHumanInput(text, facts(s.workflow, s));
    if (slip !== undefined) {
      // Nothing reaches the canvas: no round is spent. The text stays for fixing.
      say(slip, 'error');
      if (text.trim() !== '') openEditor('takeover', text);
      return;
    }
    dispatch({ type: 'remember', line: text });
    void work('your turn', async (signal) => {
      const turn = await s.human(s.awaitingPrompt ? text : expandShorthand(text), signal);
      if (turn === undefined) say('the workflow is finished');
      else say(turn.accepted ? 'your turn: accepted' : `your turn was rejected: ${rejectionReason(turn.feedback)}`, turn.accepted ? 'ok' : 'error');
    });
  };

  const choose = (purpose: string, item: PickerItem): void => {
    if (item.disabled !== undefined) {
      say(item.disabled, 'error');
      return;
    }
    dispatch({ type: 'close' });
    const s = sessionRef.current;
    if (purpose === 'resume') {
      if (props.resume === undefined) return;
      void work('open session', async () => {
        const opened = await props.resume!(item.value);
        setSession(opened);
        say(`session ${opened.id} resumed`);
      });
      return;
    }
    if (s === undefined) return;
    if (purpose === 'edit-node') {
      openEditor('prompt', s.workflow?.graph.prompts()[item.value]?.prompt ?? '', item.value);
      return;
    }
    void work('add operator', async (signal) => {
      const turn = await s.human(`<action>add</action><operator>${item.value}</operator>`, signal);
      say(turn?.accepted === true ? `added ${item.value}${s.awaitingPrompt ? ' — now its prompt: h writes it, space lets the policy' : ''}` : `not added: ${rejectionReason(turn?.feedback ?? '')}`, turn?.accepted === true ? 'ok' : 'error');
    });
  };

  const externalEdit = (): void => {
    const overlay = uiRef.current.overlay;
    if (overlay.kind !== 'editor') return;
    const edited = props.editText?.(overlay.editor.text);
    if (edited === undefined) say('no editor ran: set $EDITOR (or $VISUAL)', 'error');
    else dispatch({ type: 'editor', editor: editorState(edited.replace(/\n+$/, ''), uiRef.current.history.length) });
  };

  const runCommand = (command: Command, s: OrchestrationSession): void => {
    const done = s.done;
    switch (command) {
      case 'step':
        if (done) return say('the workflow is finished — r runs it, u undoes the finish');
        setMode('step');
        void work('policy turn', async (signal) => {
          const turn = await s.step(signal);
          setHealth((h) => ({ ...h, policy: 'ok' }));
          if (turn === undefined) say('the workflow is finished — press r to run it');
        });
        return;
      case 'auto':
        setMode(uiRef.current.mode === 'auto' ? 'paused' : 'auto');
        say(uiRef.current.mode === 'auto' ? 'paused' : 'running automatically — p pauses, esc cancels the turn');
        return;
      case 'pause':
        setMode('paused');
        return say('paused');
      case 'takeover':
        if (done) return say('the workflow is finished — u undoes the finish');
        setMode('paused');
        return openEditor('takeover');
      case 'add-operator': {
        if (done) return say('the workflow is finished — u undoes the finish');
        if (s.awaitingPrompt) return say(awaitedHint(s));
        if (s.workflow === undefined) return say(noGraph, 'error');
        setMode('paused');
        const items = s.workflow.operatorSpecs.map((o) => ({ value: o.name, label: `${o.name.padEnd(18)} ${o.category}  ${o.description}` }));
        return dispatch({ type: 'open', overlay: { kind: 'picker', purpose: 'add-operator', title: 'Add which operator? (↑/↓, Enter, Esc)', items, index: 0 } });
      }
      case 'edit-prompt': {
        if (done) return say('the workflow is finished — u undoes the finish');
        if (s.awaitingPrompt) return say(awaitedHint(s));
        if (s.workflow === undefined) return say(noGraph, 'error');
        const nodes = s.workflow.graph.operatorNodes();
        if (nodes.length === 0) return say('no nodes yet — add one first (o, or h then add X)');
        setMode('paused');
        const prompts = s.workflow.graph.prompts();
        const items = nodes.map((n) => ({ value: n.id, label: `${n.id.padEnd(12)} ${n.operator.padEnd(16)} ${prompts[n.id]?.prompt === undefined ? '(default prompt)' : terminalSafeLine(prompts[n.id]?.prompt ?? '')}` }));
        return dispatch({ type: 'open', overlay: { kind: 'picker', purpose: 'edit-node', title: "Edit which node's prompt? (↑/↓, Enter, Esc)", items, index: 0 } });
      }
      case 'undo':
        if (!s.canUndo) return say('nothing to undo');
        void work('undo', async () => say((await s.undo()) ? 'undid the last turn' : 'nothing to undo'));
        return;
      case 'finish':
        if (done) return say('already finished — r runs the workflow');
        if (s.workflow?.graph.nodes.length === 0) return say('nothing to finish: the canvas is empty — add operators first (o, or h then add X)', 'error');
        if (s.awaitingPrompt) return say(awaitedHint(s), 'error');
        {
          // The canvas would reject this finish and spend a round on it: say why now instead.
          const violation = s.workflow?.finishViolation();
          if (violation !== undefined) return say(`cannot finish yet: ${violation.message.replace(/^Finish rejected:\s*/, '')} ${violation.hint}`, 'error');
        }
        void work('finish', async (signal) => {
          const turn = await s.finish(signal);
          say(turn?.accepted === true ? 'finished — press r to run the workflow' : `cannot finish yet: ${rejectionReason(turn?.feedback ?? '')}`, turn?.accepted === true ? 'ok' : 'error');
        });
        return;
      case 'run':
        if (s.workflow?.graph.nodes.length === 0) return say('nothing to run: the workflow is empty', 'error');
        void work('run', async (signal) => {
          say('running the workflow… esc cancels');
          const result = await s.runFinal(signal);
          say(result.success ? 'run complete — t shows the trace' : `run failed: ${result.detail ?? ''}`, result.success ? 'ok' : 'error');
        });
        return;
      case 'export':
        if (props.exportWorkflow !== undefined) void work('export', async () => say(`exported: ${(await props.exportWorkflow!(s)).join(', ')}`, 'ok'));
        return;
      case 'trace':
        return dispatch({ type: 'open', overlay: { kind: 'trace', scroll: 0 } });
      case 'help':
        return dispatch({ type: 'open', overlay: { kind: 'help', scroll: 0 } });
      case 'cancel':
        if (!cancel()) {
          if (uiRef.current.mode === 'auto') {
            setMode('paused');
            say('paused');
          }
        }
        return;
      case 'quit':
        return quit('quit');
      case 'interrupt':
        return quit('interrupt');
      case 'focus-next':
        return dispatch({ type: 'focus-next' });
      case 'scroll-up':
        return dispatch({ type: 'scroll', by: -1 });
      case 'scroll-down':
        return dispatch({ type: 'scroll', by: 1 });
      case 'page-up':
        return dispatch({ type: 'scroll', by: -PAGE });
      case 'page-down':
        return dispatch({ type: 'scroll', by: PAGE });
    }
  };

  const onKey = (key: Key): void => {
    const state = uiRef.current;
    const s = sessionRef.current;
    if (key.kind === 'ctrl' && key.letter === 'c') return quit('interrupt');
    if (state.quitting !== undefined) return;
    const overlay = state.overlay;
    if (overlay.kind === 'editor') {
      if (overlay.purpose === 'task' && key.kind === 'key' && key.name === 'tab') {
        setTaskType((t) => TASK_TYPES[(TASK_TYPES.indexOf(t as (typeof TASK_TYPES)[number]) + 1) % TASK_TYPES.length] as string);
        return;
      }
      if (overlay.purpose === 'task' && key.kind === 'ctrl' && key.letter === 'r' && (props.savedSessions?.length ?? 0) > 0) {
        dispatch({ type: 'open', overlay: sessionPicker(props.savedSessions ?? []) });
        return;
      }
      const result = editKey(state, key);
      if (result === undefined) return;
      switch (result.type) {
        case 'edit':
          dispatch({ type: 'editor', editor: result.state });
          // The reducer runs later; the next key in this same read must see this edit.
          uiRef.current = { ...state, overlay: { ...overlay, editor: result.state } };
          return;
        case 'submit':
          dispatch({ type: 'close' });
          uiRef.current = { ...state, overlay: { kind: 'none' } };
          submitEditor(overlay.purpose, result.text, overlay.nodeId);
          return;
        case 'cancel':
          if (overlay.purpose === 'task' && s === undefined) {
            if (busyRef.current) cancel();
            else quit('quit');
            return;
          }
          dispatch({ type: 'close' });
          uiRef.current = { ...state, overlay: { kind: 'none' } };
          return;
        case 'external':
          return externalEdit();
        case 'ignored':
          return;
      }
    }
    if (overlay.kind === 'picker') {
      if (key.kind === 'key' && (key.name === 'up' || key.name === 'down')) {
        dispatch({ type: 'picker-move', by: key.name === 'up' ? -1 : 1 });
        const n = overlay.items.length;
        uiRef.current = { ...state, overlay: { ...overlay, index: (((overlay.index + (key.name === 'up' ? -1 : 1)) % n) + n) % n } };
        return;
      }
      if (key.kind === 'key' && key.name === 'enter') {
        const item = overlay.items[overlay.index];
        uiRef.current = { ...state, overlay: { kind: 'none' } };
        if (item !== undefined) choose(overlay.purpose, item);
        return;
      }
      if ((key.kind === 'key' && key.name === 'escape') || (key.kind === 'char' && key.char === 'q')) {
        dispatch({ type: 'close' });
        uiRef.current = { ...state, overlay: { kind: 'none' } };
        if (s === undefined && overlay.purpose === 'resume') openEditor('task');
      }
      return;
    }
    if (overlay.kind === 'help' || overlay.kind === 'trace') {
      const command = commandFor(key);
      if (command === 'scroll-up' || command === 'scroll-down' || command === 'page-up' || command === 'page-down') {
        dispatch({ type: 'scroll', by: command === 'scroll-up' ? -1 : command === 'scroll-down' ? 1 : command === 'page-up' ? -PAGE : PAGE });
        return;
      }
      if (command === 'quit' && busyRef.current === false) return quit('quit');
      dispatch({ type: 'close' });
      uiRef.current = { ...state, overlay: { kind: 'none' } };
      // Esc and the next key in one read (Alt+key): the Esc closed this, the key still counts.
      if (key.kind === 'meta' && s !== undefined) {
        const next = commandFor({ kind: 'char', char: key.char });
        if (next !== undefined) runCommand(next, s);
      }
      return;
    }
    if (s === undefined) return;
    // Esc then a key, pressed quickly, can arrive in one read as Alt+key: here it means both.
    if (key.kind === 'meta') {
      runCommand('cancel', s);
      const command = commandFor({ kind: 'char', char: key.char });
      if (command !== undefined) runCommand(command, s);
      return;
    }
    const command = commandFor(key);
    if (command !== undefined) runCommand(command, s);
  };

  useKeys(onKey);

  return (
    <Screen
      ui={ui}
      session={session}
      busy={busy}
      running={running}
      health={health}
      tick={tick}
      taskType={taskType}
      columns={columns}
      rows={rows}
      runtimeLabel={props.runtimeLabel}
      runtimeHint={props.runtimeHint}
      savedCount={props.savedSessions?.length ?? 0}
    />
  );
}

function sessionPicker(saved: readonly SessionSummary[]) {
  const items: PickerItem[] = saved.map((s) =>
    s.damaged === undefined
      ? { value: s.id, label: `${s.id}  ${s.updatedAt.slice(0, 16).replace('T', ' ')}  ${s.finished ? 'finished' : `${s.turns} turns`}  ${s.task.slice(0, 60)}` }
      : { value: s.id, label: `${s.id}  damaged: ${s.damaged}`, disabled: `session ${s.id} is damaged and cannot be resumed: ${s.damaged}` },
  );
  return { kind: 'picker' as const, purpose: 'resume' as const, title: 'Resume which session? (↑/↓, Enter, Esc starts a new one)', items, index: 0 };
}
