import { describe, expect, it } from 'vitest';
import { KeyDecoder, type Key } from '../src/tui/keys.js';
import { applyEditorKey, editorState, type EditorState } from '../src/tui/line-editor.js';

const decode = (...reads: string[]): Key[] => {
  const decoder = new KeyDecoder();
  return reads.flatMap((read) => decoder.push(read));
};

describe('KeyDecoder', () => {
  it('splits one read into every key it holds', () => {
    expect(decode('ab\u007f\r')).toEqual([{ kind: 'char', char: 'a' }, { kind: 'char', char: 'b' }, { kind: 'key', name: 'backspace' }, { kind: 'key', name: 'enter' }]);
    expect(decode('   ')).toHaveLength(3);
    expect(decode('\u0015\u0017\u0003')).toEqual([{ kind: 'ctrl', letter: 'u' }, { kind: 'ctrl', letter: 'w' }, { kind: 'ctrl', letter: 'c' }]);
    expect(decode('😀x')).toEqual([{ kind: 'char', char: '😀' }, { kind: 'char', char: 'x' }]);
  });

  it('decodes arrows, modifiers, function keys and Alt+key', () => {
    expect(decode('\u001b[A', '\u001b[1;5D', '\u001b[3~', '\u001b[6~', '\u001bOH', '\u001b[Z', '\u001bb', '\u001b\u007f', '\u001b')).toEqual([
      { kind: 'key', name: 'up' },
      { kind: 'key', name: 'left', ctrl: true },
      { kind: 'key', name: 'delete' },
      { kind: 'key', name: 'pagedown' },
      { kind: 'key', name: 'home' },
      { kind: 'key', name: 'backtab' },
      { kind: 'meta', char: 'b' },
      { kind: 'key', name: 'backspace', meta: true },
      { kind: 'key', name: 'escape' },
    ]);
  });

  it('keeps a bracketed paste whole across reads, newlines included', () => {
    expect(decode('x\u001b[200~one\r\ntw', 'o\u001b[201~y')).toEqual([{ kind: 'char', char: 'x' }, { kind: 'paste', text: 'one\ntwo' }, { kind: 'char', char: 'y' }]);
    // The markers as the terminal's input parser delivers them: separate events.
    expect(decode('\u001b[200~', 'a\rb', '\u001b[201~')).toEqual([{ kind: 'paste', text: 'a\nb' }]);
  });
});

function type(state: EditorState, keys: Key[], history: string[] = []): EditorState {
  let current = state;
  for (const key of keys) {
    const result = applyEditorKey(current, key, history);
    if (result.type === 'edit') current = result.state;
  }
  return current;
}

describe('line editor', () => {
  it('moves, inserts and deletes like readline', () => {
    let s = type(editorState(), decode('hello world'));
    s = type(s, decode('\u001b[D\u001b[D\u001b[D\u001b[D\u001b[D', 'big '));
    expect(s.text).toBe('hello big world');
    s = type(s, decode('\u0017')); // Ctrl-W: the word before the cursor
    expect(s.text).toBe('hello world');
    s = type(s, decode('\u0001', 'X', '\u0005', 'Y')); // Ctrl-A, Ctrl-E
    expect(s.text).toBe('Xhello worldY');
    s = type(s, decode('\u001b[H', '\u001b[3~', '\u000b')); // Home, Delete, Ctrl-K
    expect(s.text).toBe('');
    s = type(editorState('keep this'), decode('\u001bb', '\u0015')); // Alt-B, Ctrl-U
    expect(s.text).toBe('this');
  });

  it('recalls history with ↑/↓ and keeps the unsent line', () => {
    const history = ['first', 'second'];
    let s = type(editorState('draft', history.length), decode('\u001b[A'), history);
    expect(s.text).toBe('second');
    s = type(s, decode('\u001b[A', '\u001b[A'), history);
    expect(s.text).toBe('first');
    s = type(s, decode('\u001b[B', '\u001b[B'), history);
    expect(s.text).toBe('draft');
  });

  it('submits on Enter, adds a line on Alt-Enter and Ctrl-J, cancels on Esc, hands off on Ctrl-G', () => {
    expect(applyEditorKey(editorState('a'), { kind: 'key', name: 'enter' })).toEqual({ type: 'submit', text: 'a' });
    expect(type(editorState('a'), [{ kind: 'key', name: 'enter', meta: true }, { kind: 'ctrl', letter: 'j' }, { kind: 'char', char: 'b' }]).text).toBe('a\n\nb');
    expect(applyEditorKey(editorState('a'), { kind: 'key', name: 'escape' }).type).toBe('cancel');
    expect(applyEditorKey(editorState('a'), { kind: 'ctrl', letter: 'g' }).type).toBe('external');
  });
});
