/**
 * Turns what the terminal sends into keys. A read can carry several keys at once (a fast typist,
 * tmux send-keys, a paste without bracketed-paste support): every one is decoded, in order.
 * Bracketed paste (ESC[200~ … ESC[201~) arrives as one `paste` key, newlines and all.
 */

export type KeyName =
  | 'enter'
  | 'escape'
  | 'backspace'
  | 'delete'
  | 'tab'
  | 'backtab'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'pageup'
  | 'pagedown';

export type Key =
  | { readonly kind: 'char'; readonly char: string }
  | { readonly kind: 'paste'; readonly text: string }
  /** `ctrl` keys carry the letter: ctrl+u is `{ kind: 'ctrl', letter: 'u' }`. */
  | { readonly kind: 'ctrl'; readonly letter: string }
  | { readonly kind: 'key'; readonly name: KeyName; readonly ctrl?: boolean; readonly meta?: boolean }
  | { readonly kind: 'meta'; readonly char: string };

export const PASTE_START = '\u001b[200~';
export const PASTE_END = '\u001b[201~';

const CSI_KEYS: Readonly<Record<string, KeyName>> = {
  A: 'up',
  B: 'down',
  C: 'right',
  D: 'left',
  H: 'home',
  F: 'end',
  Z: 'backtab',
};

const TILDE_KEYS: Readonly<Record<string, KeyName>> = {
  '1': 'home',
  '7': 'home',
  '4': 'end',
  '8': 'end',
  '3': 'delete',
  '5': 'pageup',
  '6': 'pagedown',
};

function decodeControl(char: string): Key | undefined {
  const code = char.charCodeAt(0);
  if (char === '\r' || char === '\n') return { kind: 'key', name: 'enter' };
  if (char === '\t') return { kind: 'key', name: 'tab' };
  if (char === '\u007f' || char === '\b') return { kind: 'key', name: 'backspace' };
  if (char === '\u001b') return { kind: 'key', name: 'escape' };
  if (code >= 1 && code <= 26) return { kind: 'ctrl', letter: String.fromCharCode(code + 96) };
  if (code < 0x20 || (code >= 0x80 && code < 0xa0)) return undefined; // other controls mean nothing here
  return undefined;
}

/** One escape sequence (as the terminal's input parser split it) to a key, if it is one we know. */
export function decodeSequence(sequence: string): Key | undefined {
  const csi = /^\u001b(?:\[|O)([\d;]*)([A-Za-z~])$/.exec(sequence);
  if (csi !== null) {
    const [, params = '', final = ''] = csi;
    const modifier = Number(params.split(';')[1] ?? '1') - 1;
    const ctrl = (modifier & 4) !== 0;
    const meta = (modifier & 2) !== 0;
    const name = final === '~' ? TILDE_KEYS[params.split(';')[0] ?? ''] : CSI_KEYS[final];
    if (name === undefined) return undefined;
    return { kind: 'key', name, ...(ctrl ? { ctrl } : {}), ...(meta ? { meta } : {}) };
  }
  if (sequence.length === 2 && sequence.startsWith('\u001b')) {
    const second = sequence[1] ?? '';
    if (second === '\u007f' || second === '\b') return { kind: 'key', name: 'backspace', meta: true };
    if (second === '\r') return { kind: 'key', name: 'enter', meta: true };
    if (second === '\u001b') return { kind: 'key', name: 'escape' };
    if (second >= ' ') return { kind: 'meta', char: second };
  }
  return undefined;
}

/** Keeps paste state between reads; feed it every input event in order. */
export class KeyDecoder {
  #paste: string | undefined;

  push(raw: string): Key[] {
    const keys: Key[] = [];
    let rest = raw;
    while (rest.length > 0) {
      if (this.#paste !== undefined) {
        const end = rest.indexOf(PASTE_END);
        if (end < 0) {
          this.#paste += rest;
          return keys;
        }
        this.#paste += rest.slice(0, end);
        keys.push({ kind: 'paste', text: this.#paste.replace(/\r\n?/g, '\n') });
        this.#paste = undefined;
        rest = rest.slice(end + PASTE_END.length);
        continue;
      }
      const start = rest.indexOf(PASTE_START);
      const before = start < 0 ? rest : rest.slice(0, start);
      keys.push(...decodeRun(before));
      if (start < 0) break;
      this.#paste = '';
      rest = rest.slice(start + PASTE_START.length);
    }
    return keys;
  }
}

function decodeRun(run: string): Key[] {
  const keys: Key[] = [];
  let i = 0;
  while (i < run.length) {
    const char = run[i] ?? '';
    if (char === '\u001b' && i + 1 < run.length) {
      const match = /^\u001b(?:[[O][\d;]*[A-Za-z~]|[\s\S])/.exec(run.slice(i));
      const sequence = match?.[0] ?? char;
      const key = decodeSequence(sequence);
      if (key !== undefined) keys.push(key);
      i += sequence.length;
      continue;
    }
    const codePoint = run.codePointAt(i) ?? 0;
    const text = String.fromCodePoint(codePoint);
    i += text.length;
    if (codePoint < 0x20 || codePoint === 0x7f || (codePoint >= 0x80 && codePoint < 0xa0)) {
      const key = decodeControl(text);
      if (key !== undefined) keys.push(key);
      continue;
    }
    keys.push({ kind: 'char', char: text });
  }
  return keys;
}
