import { describe, expect, it } from 'vitest';
import { terminalSafe, terminalSafeJson, terminalSafeLine } from '../src/index.js';

const ESC = '\u001b';
const BEL = '\u0007';

/** Hostile strings a model could answer with, and what must survive of them. */
const HOSTILE: ReadonlyArray<[string, string, string]> = [
  ['OSC 0 title (BEL)', `${ESC}]0;PWNED${BEL}answer 42`, 'answer 42'],
  ['OSC 2 title (ST)', `${ESC}]2;PWNED${ESC}\\answer 42`, 'answer 42'],
  ['OSC 8 hidden link', `${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\ here`, 'click here'],
  ['OSC 52 clipboard', `${ESC}]52;c;cm0gLXJmIH4=${BEL}ok`, 'ok'],
  ['SGR colour', `${ESC}[31;1mred${ESC}[0m plain`, 'red plain'],
  ['clear screen + home', `${ESC}[2J${ESC}[Hwiped`, 'wiped'],
  ['DCS', `${ESC}Pq#0;2;0;0;0#1${ESC}\\after`, 'after'],
  ['APC / PM / SOS', `${ESC}_apc${ESC}\\${ESC}^pm${ESC}\\${ESC}Xsos${ESC}\\x`, 'x'],
  // 8-bit introducers are shown escaped, which makes what follows them plain text.
  ['8-bit CSI', '\u009b31mred', '\\u009b31mred'],
  ['8-bit OSC', '\u009d0;T\u0007t', '\\u009d0;T\\x07t'],
  ['unterminated OSC eats the rest', `ok${ESC}]0;PWNED forever`, 'ok'],
  ['charset switch', `${ESC}(0lqk${ESC}(B`, 'lqk'],
  ['reset terminal', `${ESC}cgone`, 'gone'],
  ['bidi override', 'abc\u202edcba\u202c', 'abcdcba'],
];

describe('terminalSafe', () => {
  it.each(HOSTILE)('%s', (_name, input, expected) => {
    const out = terminalSafe(input);
    expect(out).toBe(expected);
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('shows lone control characters escaped instead of sending them', () => {
    expect(terminalSafe('a\u0008b\u0007c\rd\u007f')).toBe('a\\x08b\\x07c\\rd\\u007f');
  });

  it('keeps printable text, newlines and non-Latin scripts', () => {
    const text = 'Résumé — 答案是 42 ✓\nline two';
    expect(terminalSafe(text)).toBe(text);
    expect(terminalSafe('a\tb')).toBe('a b');
    expect(terminalSafe('a\tb', { keepTabs: true })).toBe('a\tb');
    expect(terminalSafe('a\nb', { keepNewlines: false })).toBe('a\\nb');
  });

  it('makes a single line', () => {
    expect(terminalSafeLine(`one\r\n  two${ESC}[31m three`)).toBe('one   two three');
  });

  it('never lets an ESC through whatever follows it', () => {
    for (let code = 0; code < 0x100; code += 1) {
      const out = terminalSafe(`a${ESC}${String.fromCharCode(code)}b${ESC}`);
      expect(out).not.toContain(ESC);
      expect(out).not.toMatch(/[\u0080-\u009f]/);
    }
  });

  it('keeps carriage returns only when asked', () => {
    expect(terminalSafe('50%\r60%', { keepCarriageReturns: true })).toBe('50%\r60%');
  });

  it('writes JSON that round-trips and carries no raw control', () => {
    const value = { answer: `42${ESC}]0;T${BEL}\u009b31m\u202e` };
    const json = terminalSafeJson(value, 2);
    expect(json).not.toMatch(/[\u001b\u0007\u009b\u202e]/);
    expect(JSON.parse(json)).toEqual(value);
  });

  it('keeps any JSON.stringify output valid JSON, whatever the strings hold', () => {
    const value = { a: `x\u009b"\u009d}${ESC}]0;t${BEL}\u007f\u0085`, b: [1, '\u009c'] };
    const out = terminalSafe(JSON.stringify(value));
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(JSON.parse(out)).toEqual(value);
  });
});
