import type { Key } from './keys.js';

/** What a key does on the main screen. */
export type Command =
  | 'step'
  | 'auto'
  | 'pause'
  | 'takeover'
  | 'add-operator'
  | 'edit-prompt'
  | 'undo'
  | 'finish'
  | 'run'
  | 'export'
  | 'trace'
  | 'help'
  | 'cancel'
  | 'quit'
  | 'interrupt'
  | 'focus-next'
  | 'scroll-up'
  | 'scroll-down'
  | 'page-up'
  | 'page-down';

export interface Binding {
  readonly keys: string;
  readonly command: Command;
  readonly help: string;
}

/** The main screen's bindings, in the order the help overlay lists them. */
export const MAIN_BINDINGS: readonly Binding[] = [
  { keys: 'space s', command: 'step', help: 'one policy turn' },
  { keys: 'a', command: 'auto', help: 'run the policy automatically (a again pauses)' },
  { keys: 'p', command: 'pause', help: 'pause automatic mode' },
  { keys: 'h', command: 'takeover', help: 'take over: type an action (add X, del ID, …) or the awaited prompt' },
  { keys: 'o', command: 'add-operator', help: 'add an operator, picked from a list' },
  { keys: 'e', command: 'edit-prompt', help: "edit a node's prompt, node picked from a list" },
  { keys: 'u', command: 'undo', help: 'undo the last turn' },
  { keys: 'f', command: 'finish', help: 'finish the workflow' },
  { keys: 'r', command: 'run', help: 'run the workflow on the task and show the answer' },
  { keys: 't', command: 'trace', help: 'per-node trace of the last run (prompt, output, tokens, latency)' },
  { keys: 'x', command: 'export', help: 'export JSON, DSL and Mermaid' },
  { keys: 'tab', command: 'focus-next', help: 'move focus between the workflow and activity panes' },
  { keys: '↑ ↓ PgUp PgDn', command: 'scroll-down', help: 'scroll the focused pane' },
  { keys: 'esc', command: 'cancel', help: 'cancel the running turn or run' },
  { keys: '?', command: 'help', help: 'this help' },
  { keys: 'q', command: 'quit', help: 'quit (cancels running work first)' },
  { keys: 'ctrl-c', command: 'interrupt', help: 'cancel and quit (exit code 130)' },
];

const CHARS: Readonly<Record<string, Command>> = {
  ' ': 'step',
  s: 'step',
  a: 'auto',
  p: 'pause',
  h: 'takeover',
  o: 'add-operator',
  e: 'edit-prompt',
  u: 'undo',
  f: 'finish',
  r: 'run',
  t: 'trace',
  x: 'export',
  '?': 'help',
  q: 'quit',
  j: 'scroll-down',
  k: 'scroll-up',
};

/** The command a key means on the main screen, if any. */
export function commandFor(key: Key): Command | undefined {
  if (key.kind === 'char') return CHARS[key.char];
  if (key.kind === 'ctrl') return key.letter === 'c' ? 'interrupt' : undefined;
  if (key.kind !== 'key') return undefined;
  switch (key.name) {
    case 'escape':
      return 'cancel';
    case 'tab':
    case 'backtab':
      return 'focus-next';
    case 'up':
      return 'scroll-up';
    case 'down':
      return 'scroll-down';
    case 'pageup':
      return 'page-up';
    case 'pagedown':
      return 'page-down';
    default:
      return undefined;
  }
}

/** The one-line key hint for the bottom of the screen, cut to fit. */
export function keyHint(width: number, busy: boolean): string {
  const full = busy
    ? 'esc cancel · q quit · ? keys'
    : 'space step · a auto · h take over · o add · e edit · u undo · f finish · r run · t trace · x export · ? keys · q quit';
  if (full.length <= width) return full;
  const short = busy ? 'esc cancel · q quit' : 'space step · a auto · h act · r run · ? keys · q quit';
  return short.length <= width ? short : short.slice(0, Math.max(0, width));
}
