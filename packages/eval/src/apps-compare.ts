/**
 * APPS's own output comparison (testing_util), re-implemented here so the verdict is decided
 * outside the sandbox. Standard-input problems pass when any of APPS's tolerant views agree:
 * stripped text, stripped non-empty lines, numbers within numpy's `allclose`, or the same sets of
 * whitespace-separated tokens per line (also with numbers rounded to 3 decimals).
 */

/** Python's `str.splitlines()` (no trailing empty element). */
function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\n|\r|\v|\f|\x1c|\x1d|\x1e|\x85|\u2028|\u2029/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const FLOAT = /^[+-]?(?:(?:\d(?:_?\d)*)?\.?\d(?:_?\d)*|\d(?:_?\d)*\.)(?:[eE][+-]?\d(?:_?\d)*)?$/;

/** Python's `float(text)`, or undefined where it raises. */
export function pythonFloat(text: string): number | undefined {
  const t = text.trim();
  if (/^[+-]?(?:inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return Number.NaN;
  if (!FLOAT.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

function allClose(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => {
    const y = b[i] as number;
    if (x === y) return true;
    return Math.abs(x - y) <= 1e-8 + 1e-5 * Math.abs(y);
  });
}

const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function setKey(tokens: readonly string[]): string {
  return JSON.stringify([...new Set(tokens)].sort());
}

function setOfSets(lines: ReadonlyArray<readonly string[]>): Set<string> {
  return new Set(lines.map(setKey));
}

function sameSets(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

export function appsOutputsMatch(stdout: string, expected: string): boolean {
  const output = splitLines(stdout);
  if (output.join('\n').trim() === expected.trim()) return true;
  if (output.map((l) => l.trim()).join('\n').trim() === expected.trim()) return true;
  if (output.length === 1 && output[0] === expected) return true;
  const expectedLines = expected.split('\n').filter((l) => l.length > 0).map((l) => l.trim());
  if (same(output, expectedLines)) return true;
  const nonEmpty = output.filter((l) => l.length > 0);
  if (same(nonEmpty, expectedLines)) return true;
  const outFloats = nonEmpty.map(pythonFloat);
  const expFloats = expectedLines.map(pythonFloat);
  if (outFloats.every((x) => x !== undefined) && expFloats.every((x) => x !== undefined) && allClose(outFloats as number[], expFloats as number[])) return true;
  const expTokens = expectedLines.map((l) => l.split(/\s+/).filter((t) => t !== ''));
  const outTokens = nonEmpty.map((l) => l.split(/\s+/).filter((t) => t !== '')).filter((t) => t.length > 0);
  if (sameSets(setOfSets(outTokens), setOfSets(expTokens))) return true;
  const rounded = (lines: ReadonlyArray<readonly string[]>): Set<string> | undefined => {
    const out: string[][] = [];
    for (const line of lines) {
      const values = line.map(pythonFloat);
      if (values.some((v) => v === undefined)) return undefined;
      out.push((values as number[]).map((v) => String(Math.round(v * 1000) / 1000)));
    }
    return setOfSets(out);
  };
  const ro = rounded(outTokens);
  const re = rounded(expTokens);
  return ro !== undefined && re !== undefined && sameSets(ro, re);
}
