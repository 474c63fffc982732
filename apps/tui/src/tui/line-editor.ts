import type { Key } from './keys.js';

/**
 * A line editor as readline users expect: cursor movement (←/→, Home/End, Ctrl-A/E, Alt-B/F),
 * deletion (Backspace, Delete, Ctrl-U/K/W, Alt-Backspace), history (↑/↓), and multi-line text
 * (a paste keeps its lines; Alt-Enter or Ctrl-J inserts a line break; Ctrl-G opens $EDITOR). Pure: state in, state out.
 */
export interface EditorState {
  readonly text: string;
  readonly cursor: number;
  /** Index into history while browsing it (history.length = the line being written). */
  readonly historyIndex: number;
  /** The unsent line, kept while browsing history. */
  readonly draft: string;
}

export type EditorResult =
  | { readonly type: 'edit'; readonly state: EditorState }
  | { readonly type: 'submit'; readonly text: string }
  | { readonly type: 'cancel' }
  | { readonly type: 'external' }
  | { readonly type: 'ignored' };

export function editorState(text = '', historyLength = 0): EditorState {
  return { text, cursor: text.length, historyIndex: historyLength, draft: text };
}

const WORD_LEFT = /\S+\s*$/;
const WORD_RIGHT = /^\s*\S+/;

function at(state: EditorState, text: string, cursor: number): EditorResult {
  return { type: 'edit', state: { ...state, text, cursor: Math.max(0, Math.min(cursor, text.length)) } };
}

function wordStart(text: string, cursor: number): number {
  const match = WORD_LEFT.exec(text.slice(0, cursor));
  return match === null ? cursor - (text.slice(0, cursor).length - text.slice(0, cursor).trimEnd().length) : cursor - match[0].length;
}

function wordEnd(text: string, cursor: number): number {
  const match = WORD_RIGHT.exec(text.slice(cursor));
  return match === null ? text.length : cursor + match[0].length;
}

function insert(state: EditorState, piece: string): EditorResult {
  const { text, cursor } = state;
  return at(state, text.slice(0, cursor) + piece + text.slice(cursor), cursor + piece.length);
}

function recall(state: EditorState, history: readonly string[], index: number): EditorResult {
  if (index < 0 || index > history.length) return { type: 'ignored' };
  const draft = state.historyIndex === history.length ? state.text : state.draft;
  const text = index === history.length ? draft : (history[index] ?? '');
  return { type: 'edit', state: { text, cursor: text.length, historyIndex: index, draft } };
}

export function applyEditorKey(state: EditorState, key: Key, history: readonly string[] = []): EditorResult {
  const { text, cursor } = state;
  switch (key.kind) {
    case 'char':
      return insert(state, key.char);
    case 'paste':
      return insert(state, key.text);
    case 'meta':
      if (key.char === 'b') return at(state, text, wordStart(text, cursor));
      if (key.char === 'f') return at(state, text, wordEnd(text, cursor));
      if (key.char === 'd') return at(state, text.slice(0, cursor) + text.slice(wordEnd(text, cursor)), cursor);
      return { type: 'ignored' };
    case 'ctrl':
      switch (key.letter) {
        case 'a':
          return at(state, text, text.lastIndexOf('\n', cursor - 1) + 1);
        case 'e': {
          const end = text.indexOf('\n', cursor);
          return at(state, text, end < 0 ? text.length : end);
        }
        case 'b':
          return at(state, text, cursor - 1);
        case 'f':
          return at(state, text, cursor + 1);
        case 'u':
          return at(state, text.slice(cursor), 0);
        case 'k':
          return at(state, text.slice(0, cursor), cursor);
        case 'w': {
          const start = wordStart(text, cursor);
          return at(state, text.slice(0, start) + text.slice(cursor), start);
        }
        case 'd':
          return text === '' ? { type: 'cancel' } : at(state, text.slice(0, cursor) + text.slice(cursor + 1), cursor);
        case 'h':
          return at(state, text.slice(0, Math.max(0, cursor - 1)) + text.slice(cursor), cursor - 1);
        case 'j':
          return insert(state, '\n');
        case 'g':
        case 'x':
          return { type: 'external' };
        default:
          return { type: 'ignored' };
      }
    case 'key':
      switch (key.name) {
        case 'enter':
          return key.meta === true ? insert(state, '\n') : { type: 'submit', text };
        case 'escape':
          return { type: 'cancel' };
        case 'backspace':
          if (key.meta === true) {
            const start = wordStart(text, cursor);
            return at(state, text.slice(0, start) + text.slice(cursor), start);
          }
          return at(state, text.slice(0, Math.max(0, cursor - 1)) + text.slice(cursor), cursor - 1);
        case 'delete':
          return at(state, text.slice(0, cursor) + text.slice(cursor + 1), cursor);
        case 'left':
          return at(state, text, key.ctrl === true || key.meta === true ? wordStart(text, cursor) : cursor - 1);
        case 'right':
          return at(state, text, key.ctrl === true || key.meta === true ? wordEnd(text, cursor) : cursor + 1);
        case 'home':
          return at(state, text, 0);
        case 'end':
          return at(state, text, text.length);
        case 'up':
          return recall(state, history, state.historyIndex - 1);
        case 'down':
          return recall(state, history, state.historyIndex + 1);
        default:
          return { type: 'ignored' };
      }
  }
}

/** The text split at the cursor, for drawing it. */
export function splitAtCursor(state: EditorState): { before: string; under: string; after: string } {
  return { before: state.text.slice(0, state.cursor), under: state.text.slice(state.cursor, state.cursor + 1), after: state.text.slice(state.cursor + 1) };
}
