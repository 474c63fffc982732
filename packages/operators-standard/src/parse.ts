/** Parsing of executor-LLM output: XML-ish fields, booleans, option letters, numbered lists. */

/** Every `<tag>content</tag>` pair (first occurrence of each tag wins), contents trimmed. */
export function xmlFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of text.matchAll(/<([A-Za-z_]\w*)>([\s\S]*?)<\/\1>/g)) {
    const name = (match[1] as string).toLowerCase();
    if (!(name in fields)) fields[name] = (match[2] ?? '').trim();
  }
  return fields;
}

/** `true/yes/1/correct/pass` → true, `false/no/0/incorrect/fail` → false, anything else undefined. */
export function parseBoolean(value: string | undefined): boolean | undefined {
  const normalised = value?.trim().toLowerCase().replace(/[.!]$/, '');
  if (normalised === undefined) return undefined;
  if (['true', 'yes', '1', 'correct', 'pass', 'passed'].includes(normalised)) return true;
  if (['false', 'no', '0', 'incorrect', 'fail', 'failed'].includes(normalised)) return false;
  return undefined;
}

/**
 * The option letter an answer picks among `count` options: a `<solution_letter>` field, a bare
 * letter, or the last standalone capital letter in range. Undefined when none is found.
 */
export function parseLetter(text: string, count: number): number | undefined {
  const valid = (letter: string | undefined): number | undefined => {
    if (letter === undefined) return undefined;
    const index = letter.toUpperCase().charCodeAt(0) - 65;
    return index >= 0 && index < count ? index : undefined;
  };
  const field = xmlFields(text)['solution_letter'];
  if (field !== undefined) return valid(/[A-Za-z]/.exec(field)?.[0]);
  const bare = /^\s*\(?([A-Za-z])[\s.)\]]*$/.exec(text);
  if (bare !== null) return valid(bare[1]);
  const standalone = [...text.matchAll(/\b([A-Z])\b/g)].map((m) => valid(m[1])).filter((i): i is number => i !== undefined);
  return standalone[standalone.length - 1];
}

/**
 * Numbered items, one per line start (`1.`, `2)`, `Step 3:`); continuation lines join the
 * current item. Unlike the reference, decimals such as `3.5` inside an item never split it.
 */
export function parseNumberedList(text: string): string[] {
  const items: string[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    const start = /^(?:step\s*)?\d+\s*[.:)]\s*(.*)$/i.exec(line);
    if (start !== null) items.push((start[1] ?? '').trim());
    else if (items.length > 0) items[items.length - 1] = `${items[items.length - 1]} ${line}`.trim();
  }
  return items.filter((item) => item !== '');
}

const NUMERIC = /^[+-]?\d+(\.\d+)?$/;

/** The most common numeric candidate when it appears more than once (or all agree); else undefined. */
export function numericConsensus(candidates: readonly string[]): { value: string; votes: number; total: number } | undefined {
  const numeric = candidates.map((c) => c.trim()).filter((c) => NUMERIC.test(c));
  if (numeric.length < 2) return undefined;
  const counts = new Map<string, number>();
  for (const value of numeric) counts.set(String(Number(value)), (counts.get(String(Number(value))) ?? 0) + 1);
  const [value, votes] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] as [string, number];
  if (votes < 2) return undefined;
  return { value, votes, total: candidates.length };
}

/** Strips a leading "Answer:" / "Final answer:" label and surrounding quotes or backticks. */
export function cleanAnswer(text: string): string {
  return text
    .trim()
    .replace(/^(final\s+answer|answer)\s*[:：]\s*/i, '')
    .replace(/^["'`]+|["'`]+$/g, '')
    .trim();
}
