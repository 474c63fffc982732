import { FlowSteerError } from '@flowsteer/core';
import { WorkflowGraph, type GraphOptions } from './graph.js';

/** A DSL string that does not parse or describes an invalid workflow. `column` is 1-based. */
export class DslError extends FlowSteerError {
  readonly column: number | undefined;
  constructor(message: string, column?: number) {
    super('VALIDATION_FAILED', column === undefined ? message : `${message} (column ${column})`, { details: { column } });
    this.column = column;
  }
}

type TokenKind = 'ident' | 'int' | 'arrow' | '[' | ']' | '(' | ')' | ',' | '?' | ':' | '*' | 'end';
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly column: number;
}

/** Tokens on demand, so a syntax error early in a long input costs only the text read so far. */
class TokenStream {
  readonly #tokens: Token[] = [];
  readonly #lexer: Iterator<Token>;
  #ended = false;

  constructor(source: string) {
    this.#lexer = tokenize(source);
  }

  /** The token at `index`, or the end token past the end. */
  at(index: number): Token {
    while (!this.#ended && this.#tokens.length <= index) {
      const next = this.#lexer.next();
      if (next.done === true) this.#ended = true;
      else this.#tokens.push(next.value);
    }
    return this.#tokens[Math.min(index, this.#tokens.length - 1)] as Token;
  }
}

function* tokenize(source: string): Generator<Token, void, undefined> {
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const column = i + 1;
    if (source.startsWith('->', i)) {
      yield { kind: 'arrow', text: '->', column };
      i += 2;
      continue;
    }
    if ('[](),?:*'.includes(ch)) {
      yield { kind: ch as TokenKind, text: ch, column };
      i++;
      continue;
    }
    WORD.lastIndex = i;
    const word = WORD.exec(source);
    if (word !== null) {
      yield { kind: 'ident', text: word[0], column };
      i += word[0].length;
      continue;
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(source);
    if (number !== null) {
      yield { kind: 'int', text: number[0], column };
      i += number[0].length;
      continue;
    }
    throw new DslError(`unexpected character "${ch}"`, column);
  }
  yield { kind: 'end', text: '', column: source.length + 1 };
}

// Sticky: matched at the cursor without copying the rest of the source.
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /-?\d+/y;

/** A parsed DSL item, before it is applied to a graph. */
export type DslItem =
  | { readonly kind: 'operator'; readonly operator: string }
  | { readonly kind: 'parallel'; readonly operators: readonly string[] }
  | { readonly kind: 'conditional'; readonly condition: string; readonly trueBranch: string; readonly falseBranch?: string }
  | { readonly kind: 'loop'; readonly operators: readonly string[]; readonly count: number };

/** Loop counts outside [1, 10] are clamped, as the reference action parser does. */
export function clampLoopCount(count: number): number {
  return Math.min(10, Math.max(1, count));
}

class Parser {
  #pos = 0;
  constructor(readonly tokens: TokenStream) {}

  parseWorkflow(): DslItem[] {
    const items: DslItem[] = [];
    if (this.#peek().kind === 'end') return items;
    items.push(this.#item());
    while (this.#peek().kind === 'arrow') {
      this.#pos++;
      items.push(this.#item());
    }
    const rest = this.#peek();
    if (rest.kind !== 'end') throw new DslError(`expected "->" or end of workflow, found "${rest.text}"`, rest.column);
    return items;
  }

  #item(): DslItem {
    const token = this.#peek();
    if (token.kind === '[') return this.#parallel();
    if (token.kind === '(') return this.#parenthesised();
    if (token.kind === 'ident') {
      this.#pos++;
      if (this.#peek().kind === '?') return this.#conditionalAfter(token.text);
      if (token.text === 'done') throw new DslError('"done" may only be the last branch of a conditional', token.column);
      return { kind: 'operator', operator: token.text };
    }
    throw new DslError(token.kind === 'end' ? 'expected an operator, found end of workflow' : `expected an operator, "[" or "(", found "${token.text}"`, token.column);
  }

  #parallel(): DslItem {
    this.#expect('[');
    const operators = [this.#ident('operator')];
    while (this.#peek().kind === ',') {
      this.#pos++;
      operators.push(this.#ident('operator'));
    }
    this.#expect(']');
    return { kind: 'parallel', operators };
  }

  #parenthesised(): DslItem {
    const open = this.#expect('(');
    const first = this.#ident('operator');
    if (this.#peek().kind === '?') {
      const conditional = this.#conditionalAfter(first);
      this.#expect(')');
      return conditional;
    }
    const operators = [first];
    while (this.#peek().kind === 'arrow') {
      this.#pos++;
      operators.push(this.#ident('operator'));
    }
    this.#expect(')');
    if (this.#peek().kind !== '*') throw new DslError('a parenthesised sequence is a loop and needs "* n"', open.column);
    this.#pos++;
    const count = this.#peek();
    if (count.kind !== 'int') throw new DslError(`loop count must be an integer, found "${count.text}"`, count.column);
    this.#pos++;
    return { kind: 'loop', operators, count: clampLoopCount(Number(count.text)) };
  }

  #conditionalAfter(condition: string): DslItem {
    this.#expect('?');
    const trueBranch = this.#ident('repair branch');
    this.#expect(':');
    const falseBranch = this.#ident('pass branch or "done"');
    return falseBranch === 'done' ? { kind: 'conditional', condition, trueBranch } : { kind: 'conditional', condition, trueBranch, falseBranch };
  }

  #ident(what: string): string {
    const token = this.#peek();
    if (token.kind !== 'ident') throw new DslError(`expected ${what}, found ${token.kind === 'end' ? 'end of workflow' : `"${token.text}"`}`, token.column);
    this.#pos++;
    return token.text;
  }

  #expect(kind: TokenKind): Token {
    const token = this.#peek();
    if (token.kind !== kind) throw new DslError(`expected "${kind}", found ${token.kind === 'end' ? 'end of workflow' : `"${token.text}"`}`, token.column);
    this.#pos++;
    return token;
  }

  #peek(): Token {
    return this.tokens.at(this.#pos);
  }
}

/** Parses DSL text into items without validating operator names. */
export function parseDslItems(source: string): DslItem[] {
  return new Parser(new TokenStream(source)).parseWorkflow();
}

/** Applies one item to a graph with the same edit the canvas would make. */
export function applyItem(graph: WorkflowGraph, item: DslItem): { success: boolean; message: string; nodeId?: string } {
  switch (item.kind) {
    case 'operator':
      return graph.addOperator(item.operator);
    case 'parallel':
      return graph.addParallel(item.operators);
    case 'conditional':
      return graph.addConditional(item.condition, item.trueBranch, item.falseBranch);
    case 'loop':
      return graph.addLoop(item.operators, item.count);
  }
}

/**
 * Parses the canonical DSL (and the parenthesised conditional `(C ? T : F)` used in prompts) into
 * a graph. Throws DslError for syntax errors and for edits the canvas would reject.
 */
export function parseDsl(source: string, options: GraphOptions = {}): WorkflowGraph {
  const graph = new WorkflowGraph(options);
  for (const item of parseDslItems(source)) {
    const result = applyItem(graph, item);
    if (!result.success) throw new DslError(result.message);
  }
  return graph;
}

/** Canonical DSL text of a graph. */
export function renderDsl(graph: WorkflowGraph): string {
  return graph.toDsl();
}
