/**
 * A small math-expression evaluator for answer checking: numbers, + − × ÷ ^, parentheses,
 * implicit multiplication (`2x`, `3(x+1)`, `2pi`), `sqrt`, `pi`, `e`, a few functions, and
 * variables. Equivalence of expressions with variables is decided numerically at random points —
 * a small symbolic fallback without a CAS.
 */

type Node =
  | { kind: 'num'; value: number }
  | { kind: 'var'; name: string }
  | { kind: 'neg'; arg: Node }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/' | '^'; left: Node; right: Node }
  | { kind: 'call'; fn: string; arg: Node };

const FUNCTIONS: Readonly<Record<string, (x: number) => number>> = {
  sqrt: Math.sqrt,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  ln: Math.log,
  log: Math.log10,
  exp: Math.exp,
  abs: Math.abs,
};
const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, e: Math.E };

class ParseFailure extends Error {}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const number = /^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(text.slice(i));
    if (number !== null) {
      tokens.push(number[0]);
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z]+/.exec(text.slice(i));
    if (word !== null) {
      // Known names stay whole; any other run of letters is a product of single-letter variables.
      const w = word[0];
      if (w in FUNCTIONS || w in CONSTANTS) tokens.push(w);
      else tokens.push(...w.split(''));
      i += w.length;
      continue;
    }
    if ('+-*/^()'.includes(ch)) {
      tokens.push(ch);
      i++;
      continue;
    }
    throw new ParseFailure(`unexpected "${ch}"`);
  }
  return tokens;
}

class Parser {
  #pos = 0;
  constructor(private readonly tokens: string[]) {}

  parse(): Node {
    const node = this.#sum();
    if (this.#pos !== this.tokens.length) throw new ParseFailure('trailing input');
    return node;
  }

  #peek(): string | undefined {
    return this.tokens[this.#pos];
  }

  #sum(): Node {
    let node = this.#product();
    for (let t = this.#peek(); t === '+' || t === '-'; t = this.#peek()) {
      this.#pos++;
      node = { kind: 'bin', op: t, left: node, right: this.#product() };
    }
    return node;
  }

  #product(): Node {
    let node = this.#unary();
    for (;;) {
      const t = this.#peek();
      if (t === '*' || t === '/') {
        this.#pos++;
        node = { kind: 'bin', op: t, left: node, right: this.#unary() };
      } else if (t !== undefined && (t === '(' || /^[A-Za-z\d.]/.test(t))) {
        // Implicit multiplication: 2x, 3(x+1), (a)(b), 2pi.
        node = { kind: 'bin', op: '*', left: node, right: this.#power() };
      } else {
        return node;
      }
    }
  }

  #unary(): Node {
    if (this.#peek() === '-') {
      this.#pos++;
      return { kind: 'neg', arg: this.#unary() };
    }
    if (this.#peek() === '+') {
      this.#pos++;
      return this.#unary();
    }
    return this.#power();
  }

  #power(): Node {
    const base = this.#atom();
    if (this.#peek() === '^') {
      this.#pos++;
      return { kind: 'bin', op: '^', left: base, right: this.#unary() };
    }
    return base;
  }

  #atom(): Node {
    const t = this.#peek();
    if (t === undefined) throw new ParseFailure('unexpected end');
    this.#pos++;
    if (t === '(') {
      const inner = this.#sum();
      if (this.#peek() !== ')') throw new ParseFailure('missing )');
      this.#pos++;
      return inner;
    }
    if (/^[\d.]/.test(t)) return { kind: 'num', value: Number(t) };
    if (t in FUNCTIONS) return { kind: 'call', fn: t, arg: this.#power() };
    if (t in CONSTANTS) return { kind: 'num', value: CONSTANTS[t] as number };
    if (/^[A-Za-z]$/.test(t)) return { kind: 'var', name: t };
    throw new ParseFailure(`unexpected "${t}"`);
  }
}

function evaluate(node: Node, vars: Readonly<Record<string, number>>): number {
  switch (node.kind) {
    case 'num':
      return node.value;
    case 'var': {
      const value = vars[node.name];
      if (value === undefined) throw new ParseFailure(`unbound ${node.name}`);
      return value;
    }
    case 'neg':
      return -evaluate(node.arg, vars);
    case 'call':
      return (FUNCTIONS[node.fn] as (x: number) => number)(evaluate(node.arg, vars));
    case 'bin': {
      const a = evaluate(node.left, vars);
      const b = evaluate(node.right, vars);
      switch (node.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return a / b;
        case '^':
          return a ** b;
      }
    }
  }
}

function variables(node: Node, into = new Set<string>()): Set<string> {
  if (node.kind === 'var') into.add(node.name);
  else if (node.kind === 'neg' || node.kind === 'call') variables(node.arg, into);
  else if (node.kind === 'bin') {
    variables(node.left, into);
    variables(node.right, into);
  }
  return into;
}

export interface ParsedExpression {
  readonly variables: readonly string[];
  evaluate(vars?: Readonly<Record<string, number>>): number;
}

export function parseExpression(text: string): ParsedExpression | undefined {
  try {
    const node = new Parser(tokenize(text)).parse();
    return { variables: [...variables(node)].sort(), evaluate: (vars = {}) => evaluate(node, vars) };
  } catch (error) {
    if (error instanceof ParseFailure) return undefined;
    throw error;
  }
}

export function close(a: number, b: number, absTol = 1e-6, relTol = 1e-6): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= Math.max(absTol, relTol * Math.max(Math.abs(a), Math.abs(b)));
}

/** True when two expressions agree at several random points (and both are well defined there). */
export function numericallyEquivalent(a: ParsedExpression, b: ParsedExpression, tolerance = 1e-6): boolean {
  const names = [...new Set([...a.variables, ...b.variables])];
  if (names.length > 4) return false;
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  let checked = 0;
  for (let trial = 0; trial < 12 && checked < 6; trial++) {
    const point = Object.fromEntries(names.map((n) => [n, 0.5 + random() * 2.5]));
    const x = a.evaluate(point);
    const y = b.evaluate(point);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (!close(x, y, tolerance, tolerance)) return false;
    checked++;
  }
  return checked >= 3;
}
