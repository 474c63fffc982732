/**
 * Text that came from a model, a tool or a file is hostile to a terminal: an escape sequence in it
 * can retitle the window (OSC 0/2), plant a hidden link (OSC 8), write the clipboard (OSC 52),
 * recolour or clear the screen (CSI), or reach the terminal's device-control channel (DCS).
 * `terminalSafe` removes every escape sequence and shows any other control character escaped, so
 * what reaches the screen is only printable text.
 */

export interface TerminalSafeOptions {
  /** Keep line breaks (`\n`); otherwise they are shown as `\n`. Default true. */
  readonly keepNewlines?: boolean;
  /** Keep tabs; otherwise each becomes a space. Default false. */
  readonly keepTabs?: boolean;
  /** Keep carriage returns (a progress line redrawn in place); otherwise shown as `\r`. Default false. */
  readonly keepCarriageReturns?: boolean;
}

// Sequences introduced by ESC. OSC/DCS/SOS/PM/APC run to BEL or ST (or, unterminated, to the end
// of the text); CSI takes parameters, intermediates and one final byte. The 8-bit introducers
// (U+0090, U+009B, U+009D…) are not parsed: they are shown escaped below, which leaves whatever
// follows them harmless text, and keeps JSON that carries them valid.
const SEQUENCE = new RegExp(
  [
    String.raw`\u001b[\]PX^_][\s\S]*?(?:\u0007|\u001b\\|\u009c|$)`,
    String.raw`\u001b\[[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?`,
    // Other two-byte escapes (ESC c, ESC 7, ESC ( B, …).
    String.raw`\u001b[\u0020-\u002f]*[\u0030-\u007e]?`,
  ].join('|'),
  'g',
);

// C0 (except tab and newline, decided below), DEL and C1 controls.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// Characters that reorder or hide text without being controls: bidi overrides and isolates.
const INVISIBLE_REORDERING = /[\u202a-\u202e\u2066-\u2069]/g;

function escaped(char: string): string {
  const code = char.charCodeAt(0);
  if (code === 0x0d) return '\\r';
  // DEL and C1 as \u00XX: JSON.stringify leaves them raw, and this text is a valid JSON escape.
  if (code >= 0x7f) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\x${code.toString(16).padStart(2, '0')}`;
}

/** Printable text only: escape sequences removed, other control characters shown as `\xNN` (DEL and C1: `\u00NN`). */
export function terminalSafe(text: string, options: TerminalSafeOptions = {}): string {
  const keepNewlines = options.keepNewlines ?? true;
  const keepTabs = options.keepTabs ?? false;
  const keepReturns = options.keepCarriageReturns ?? false;
  let out = text
    .replace(SEQUENCE, '')
    .replace(CONTROL, (char) => (keepReturns && char === '\r' ? char : escaped(char)))
    .replace(INVISIBLE_REORDERING, '');
  if (!keepTabs) out = out.replace(/\t/g, ' ');
  if (!keepNewlines) out = out.replace(/\n/g, '\\n');
  return out;
}

/** `terminalSafe` for a single screen line: each line break becomes one space. */
export function terminalSafeLine(text: string): string {
  return terminalSafe(text.replace(/\r?\n/g, ' '), { keepNewlines: false });
}

/** JSON text with the characters JSON.stringify leaves raw but a terminal acts on (C1, bidi) escaped. */
export function terminalSafeJson(value: unknown, space?: number): string {
  return (JSON.stringify(value, null, space) ?? 'null').replace(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
