/**
 * The MATH benchmark's own answer check: the last `\boxed{…}` (or `\fbox{…}`) of a solution,
 * normalised by a fixed list of string rewrites, then compared as strings. Written from the
 * published definition; it is strict by design (`0.50` ≠ `\frac{1}{2}`, `x+1` ≠ `1+x`).
 */

/** The last `\boxed{…}` (or `\fbox{…}`) group with its command, or undefined. */
export function lastBoxedGroup(text: string): string | undefined {
  let at = text.lastIndexOf('\\boxed');
  if (at === -1) at = text.lastIndexOf('\\fbox');
  if (at === -1) return undefined;
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') {
      depth--;
      if (depth === 0) return text.slice(at, i + 1);
    }
  }
  return undefined;
}

/** The content of a `\boxed{…}` group (undefined when the group is not exactly that). */
export function unbox(group: string): string | undefined {
  // The published `remove_boxed` accepts only `\boxed{…}`; an `\fbox` answer counts as none.
  return group.startsWith('\\boxed{') && group.endsWith('}') ? group.slice('\\boxed{'.length, -1) : undefined;
}

function fixFracs(text: string): string {
  const parts = text.split('\\frac');
  let out = parts[0] as string;
  for (const part of parts.slice(1)) {
    out += '\\frac';
    if (part === '') throw new Error('dangling \\frac');
    if (part.startsWith('{')) {
      out += part;
      continue;
    }
    if (part.length < 2) return text;
    const a = part[0] as string;
    const b = part[1] as string;
    out += b === '{' ? `{${a}}${b}${part.slice(2)}` : `{${a}}{${b}}${part.slice(2)}`;
  }
  return out;
}

function fixSlash(text: string): string {
  const parts = text.split('/');
  if (parts.length !== 2) return text;
  const [a, b] = parts as [string, string];
  if (!/^-?\d+$/.test(a) || !/^-?\d+$/.test(b)) return text;
  // The published check only rewrites when the integers print back to the same text.
  if (`${Number.parseInt(a, 10)}/${Number.parseInt(b, 10)}` !== text) return text;
  return `\\frac{${Number.parseInt(a, 10)}}{${Number.parseInt(b, 10)}}`;
}

function removeRightUnits(text: string): string {
  if (!text.includes('\\text{ ')) return text;
  const parts = text.split('\\text{ ');
  // The published rule asserts exactly one unit group; more is an error (string fallback).
  if (parts.length !== 2) throw new Error('more than one unit group');
  return parts[0] as string;
}

function fixSqrt(text: string): string {
  if (!text.includes('\\sqrt')) return text;
  const parts = text.split('\\sqrt');
  let out = parts[0] as string;
  for (const part of parts.slice(1)) {
    if (part === '') throw new Error('dangling \\sqrt');
    out += part.startsWith('{') ? `\\sqrt${part}` : `\\sqrt{${part[0]}}${part.slice(1)}`;
  }
  return out;
}

/** The MATH normaliser (`_strip_string`). Throws where the published code raises. */
export function hendrycksStrip(input: string): string {
  let s = input.replace(/\n/g, '').replace(/\\!/g, '').replace(/\\\\/g, '\\');
  s = s.replace(/tfrac/g, 'frac').replace(/dfrac/g, 'frac').replace(/\\left/g, '').replace(/\\right/g, '');
  s = s.replace(/\^\{\\circ\}/g, '').replace(/\^\\circ/g, '').replace(/\\\$/g, '');
  s = removeRightUnits(s);
  s = s.replace(/\\%/g, '');
  s = s.replace(/ \./g, ' 0.').replace(/\{\./g, '{0.');
  if (s.length === 0) return s;
  if (s.startsWith('.')) s = `0${s}`;
  const sides = s.split('=');
  if (sides.length === 2 && (sides[0] as string).length <= 2) s = sides[1] as string;
  s = fixSqrt(s);
  s = s.replace(/ /g, '');
  s = fixFracs(s);
  if (s === '0.5') s = '\\frac{1}{2}';
  return fixSlash(s);
}

/** `is_equiv`: normalised strings equal; when normalisation fails, the raw strings must be. */
export function hendrycksEquiv(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  try {
    return hendrycksStrip(a) === hendrycksStrip(b);
  } catch {
    return a === b;
  }
}

/** The boxed answer of a MATH solution, as the published evaluation extracts it. */
export function hendrycksAnswer(solution: string): string | undefined {
  const group = lastBoxedGroup(solution);
  return group === undefined ? undefined : unbox(group);
}
