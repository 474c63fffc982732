/**
 * JSON text as a Python literal, token by token, so numbers keep their exact digits (a JavaScript
 * number would round integers past 2^53). The result is a single line: JSON strings hold no raw
 * newlines, and their escapes mean the same in Python.
 */
const TOKEN = /\s+|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|[[\]{},:]/y;

export function jsonToPythonLiteral(json: string): string {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < json.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(json);
    if (match === null) throw new SyntaxError(`not JSON at offset ${at}`);
    const token = match[0];
    if (/^\s/.test(token)) continue;
    if (token === 'true') out.push('True');
    else if (token === 'false') out.push('False');
    else if (token === 'null') out.push('None');
    // "\/" is JSON's optional escape of "/"; Python would keep the backslash.
    else if (token.startsWith('"')) out.push(token.replace(/\\(\\|\/)/g, (_m, c: string) => (c === '/' ? '/' : '\\\\')));
    else out.push(token);
  }
  return out.join('');
}
