/** Reading an LLM answer and a task's tests: the program in the answer, the function the tests call. */

const BUILTIN_CALLS = new Set(['len', 'str', 'int', 'float', 'abs', 'set', 'list', 'tuple', 'dict', 'sorted', 'round', 'sum', 'max', 'min', 'all', 'any', 'isinstance', 'type', 'bool', 'repr', 'math']);

/** The function the tests call, when no entry point is given (reference inference order). */
export function inferEntryPoint(tests: string): string | undefined {
  if (/def\s+check\s*\(\s*candidate\s*\)/.test(tests)) return 'candidate';
  const patterns = [/\b(task_func)\s*\(/, /candidate\s*=\s*([A-Za-z_]\w*)/, /result\s*=\s*([A-Za-z_]\w*)\s*\(/, /\bassert\b\s*\(?\s*([A-Za-z_]\w*)\s*\(/g, /self\.assert\w+\(\s*([A-Za-z_]\w*)\(/];
  for (const pattern of patterns) {
    for (const match of tests.matchAll(pattern.global ? pattern : new RegExp(pattern.source, 'g'))) {
      const name = match[1];
      if (name !== undefined && !BUILTIN_CALLS.has(name)) return name;
    }
  }
  return undefined;
}

const CODE_START = /^(from\s+\S+\s+import\s|import\s+\S|def\s+\w+\s*\(|class\s+\w+|@\w+|async\s+def\s)/;

/**
 * The Python program in an LLM answer: fenced python blocks (joined), else any fenced block,
 * else from the first code-looking line to the end, else the whole text.
 */
export function extractCode(text: string): string {
  const python = [...text.matchAll(/```(?:python|py)[^\n]*\n([\s\S]*?)```/gi)].map((m) => (m[1] ?? '').trim());
  if (python.length > 0) return python.join('\n\n');
  const generic = [...text.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim());
  if (generic.length > 0) return generic.sort((a, b) => b.length - a.length)[0] as string;
  const lines = text.split('\n');
  const start = lines.findIndex((line) => CODE_START.test(line.trim()));
  if (start >= 0) {
    const body = lines.slice(start);
    const stop = body.findIndex((line) => /^(Explanation|Notes?|This (code|function)|The (code|function))\b/.test(line.trim()));
    return (stop === -1 ? body : body.slice(0, stop)).join('\n').trim();
  }
  return text.trim();
}
