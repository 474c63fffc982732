import { applyEditorKey, editorState, type EditorResult, type EditorState } from './line-editor.js';
import type { Key } from './keys.js';

export type Mode = 'step' | 'auto' | 'paused';
export type EditorPurpose = 'task' | 'takeover' | 'prompt';
export type PickerPurpose = 'edit-node' | 'add-operator' | 'resume';
export type Pane = 'workflow' | 'activity';
export type Tone = 'info' | 'ok' | 'error';

export interface PickerItem {
  readonly value: string;
  readonly label: string;
  readonly disabled?: string;
}

export type Overlay =
  | { readonly kind: 'none' }
  | { readonly kind: 'help'; readonly scroll: number }
  | { readonly kind: 'trace'; readonly scroll: number }
  | { readonly kind: 'editor'; readonly purpose: EditorPurpose; readonly editor: EditorState; readonly nodeId?: string }
  | { readonly kind: 'picker'; readonly purpose: PickerPurpose; readonly title: string; readonly items: readonly PickerItem[]; readonly index: number };

/** Everything the screen shows that is not the session itself. */
export interface UiState {
  readonly mode: Mode;
  readonly overlay: Overlay;
  readonly status: { readonly text: string; readonly tone: Tone };
  readonly focus: Pane;
  readonly scroll: Readonly<Record<Pane, number>>;
  /** Lines typed before (task and take-over), oldest first, for ↑/↓. */
  readonly history: readonly string[];
  /** Set once the person asked to quit; the screen says "cancelling…" while work winds down. */
  readonly quitting?: 'quit' | 'interrupt';
}

export type UiAction =
  | { readonly type: 'mode'; readonly mode: Mode }
  | { readonly type: 'status'; readonly text: string; readonly tone?: Tone }
  | { readonly type: 'open'; readonly overlay: Overlay }
  | { readonly type: 'close' }
  | { readonly type: 'editor'; readonly editor: EditorState }
  | { readonly type: 'picker-move'; readonly by: number }
  | { readonly type: 'remember'; readonly line: string }
  | { readonly type: 'focus-next' }
  | { readonly type: 'scroll'; readonly by: number; readonly pane?: Pane }
  | { readonly type: 'quit'; readonly how: 'quit' | 'interrupt' };

export function initialUi(options: { editor?: { purpose: EditorPurpose; text: string } } = {}): UiState {
  return {
    mode: 'step',
    overlay: options.editor === undefined ? { kind: 'none' } : { kind: 'editor', purpose: options.editor.purpose, editor: editorState(options.editor.text) },
    status: { text: '', tone: 'info' },
    focus: 'workflow',
    scroll: { workflow: 0, activity: 0 },
    history: [],
  };
}

export function uiReducer(state: UiState, action: UiAction): UiState {
  switch (action.type) {
    case 'mode':
      return { ...state, mode: action.mode };
    case 'status':
      return { ...state, status: { text: action.text, tone: action.tone ?? 'info' } };
    case 'open':
      return { ...state, overlay: action.overlay };
    case 'close':
      return { ...state, overlay: { kind: 'none' } };
    case 'editor':
      return state.overlay.kind === 'editor' ? { ...state, overlay: { ...state.overlay, editor: action.editor } } : state;
    case 'picker-move': {
      if (state.overlay.kind !== 'picker' || state.overlay.items.length === 0) return state;
      const n = state.overlay.items.length;
      return { ...state, overlay: { ...state.overlay, index: (((state.overlay.index + action.by) % n) + n) % n } };
    }
    case 'remember':
      return action.line.trim() === '' || state.history[state.history.length - 1] === action.line ? state : { ...state, history: [...state.history, action.line].slice(-100) };
    case 'focus-next':
      return { ...state, focus: state.focus === 'workflow' ? 'activity' : 'workflow' };
    case 'scroll': {
      if (state.overlay.kind === 'trace' || state.overlay.kind === 'help') return { ...state, overlay: { ...state.overlay, scroll: Math.max(0, state.overlay.scroll + action.by) } };
      const pane = action.pane ?? state.focus;
      return { ...state, scroll: { ...state.scroll, [pane]: Math.max(0, state.scroll[pane] + action.by) } };
    }
    case 'quit':
      return { ...state, quitting: state.quitting === 'interrupt' ? 'interrupt' : action.how };
  }
}

/** A key given to the open editor, with the history it browses. */
export function editKey(state: UiState, key: Key): EditorResult | undefined {
  if (state.overlay.kind !== 'editor') return undefined;
  return applyEditorKey(state.overlay.editor, key, state.overlay.purpose === 'prompt' ? [] : state.history);
}
