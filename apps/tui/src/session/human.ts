import type { Observation, Policy, PolicyOutput } from '@flowsteer/core';

/** The human as policy: the screen collects the text; `act` is never called on its own. */
export class HumanPolicy implements Policy {
  readonly id = 'human';
  async act(_observation: Observation): Promise<PolicyOutput> {
    throw new Error('the human policy acts through the screen: type an action or prompt');
  }
}

const OPERATOR = /^[A-Za-z]+$/;

/**
 * Shorthand a person can type instead of XML:
 * `add Custom`, `parallel Custom,AnswerGenerate`, `cond Verify Revise [Format]`,
 * `loop Review,Revise 2`, `del node_2`, `mod node_2 Verify`, `prompt node_2 text…`, `finish`.
 * Anything else (XML, or prompt text while one is awaited) passes through unchanged.
 */
export function expandShorthand(input: string): string {
  const text = input.trim();
  const [verb = '', ...rest] = text.split(/\s+/);
  const args = rest.join(' ');
  switch (verb.toLowerCase()) {
    case 'add':
      return OPERATOR.test(args) ? `<action>add</action><operator>${args}</operator>` : text;
    case 'parallel':
      return `<action>add</action><structure>parallel</structure><operators>${args}</operators>`;
    case 'cond': {
      const [condition, repair, pass] = rest;
      return `<action>add</action><structure>conditional</structure><condition>${condition ?? ''}</condition><true>${repair ?? ''}</true><false>${pass ?? 'done'}</false>`;
    }
    case 'loop': {
      const [ops, count] = rest;
      return `<action>add</action><structure>loop</structure><operators>${ops ?? ''}</operators><count>${count ?? '2'}</count>`;
    }
    case 'del':
    case 'delete':
      return `<action>delete</action><target>${args}</target>`;
    case 'mod':
    case 'modify': {
      const [target, operator] = rest;
      return `<action>modify</action><target>${target ?? ''}</target><operator>${operator ?? ''}</operator>`;
    }
    case 'prompt': {
      const [target, ...words] = rest;
      return `<action>set_prompt</action><target>${target ?? ''}</target><prompt>${words.join(' ')}</prompt>`;
    }
    case 'finish':
      return rest.length === 0 ? '<action>finish</action>' : text;
    default:
      return text;
  }
}

export interface CanvasFacts {
  /** Operator names the canvas accepts. */
  readonly operators: readonly string[];
  /** Ids of the nodes on the canvas (including structure nodes). */
  readonly nodeIds: readonly string[];
  readonly awaitingPrompt: boolean;
}

/**
 * A slip caught before it reaches the canvas, in the person's words. The canvas would reject these
 * too, but a rejected turn spends one of its rounds and answers in the policy's XML terms.
 */
export function checkHumanInput(input: string, facts: CanvasFacts): string | undefined {
  const text = input.trim();
  if (text === '') return facts.awaitingPrompt ? 'the prompt is empty: write what the operator should do' : 'nothing typed';
  if (facts.awaitingPrompt) return text.length < 5 ? 'the prompt is too short: write at least a few words' : undefined;
  if (text.startsWith('<')) return undefined;
  const [verb = '', ...rest] = text.split(/\s+/);
  const known = new Set(facts.operators);
  const unknownOperator = (names: readonly string[]): string | undefined => {
    const bad = names.filter((n) => !known.has(n));
    return bad.length === 0 ? undefined : `unknown operator ${bad.map((b) => `"${b}"`).join(', ')} — operators: ${facts.operators.join(', ')}`;
  };
  const unknownNode = (id: string | undefined): string | undefined => {
    if (id === undefined || id === '') return `name a node: ${facts.nodeIds.join(', ') || '(the canvas is empty)'}`;
    return facts.nodeIds.includes(id) ? undefined : `no node "${id}" — nodes: ${facts.nodeIds.join(', ') || '(the canvas is empty)'}`;
  };
  switch (verb.toLowerCase()) {
    case 'add':
      return rest.length !== 1 ? 'add takes one operator, e.g. add Custom' : unknownOperator(rest);
    case 'parallel': {
      const ops = rest.join('').split(',').filter((o) => o !== '');
      return ops.length < 2 ? 'parallel takes two or more operators, e.g. parallel Custom,AnswerGenerate' : unknownOperator(ops);
    }
    case 'cond':
      return rest.length < 2 ? 'cond takes a check and a repair operator, e.g. cond Verify Revise' : unknownOperator(rest.slice(0, 3).filter((o) => o !== 'done'));
    case 'loop': {
      const ops = (rest[0] ?? '').split(',').filter((o) => o !== '');
      if (ops.length === 0) return 'loop takes operators and a count, e.g. loop Review,Revise 2';
      if (rest[1] !== undefined && !/^\d+$/.test(rest[1])) return `the loop count must be a number, got "${rest[1]}"`;
      return unknownOperator(ops);
    }
    case 'del':
    case 'delete':
      return unknownNode(rest[0]);
    case 'mod':
    case 'modify':
      return unknownNode(rest[0]) ?? (rest[1] === undefined ? 'mod takes a node and an operator, e.g. mod node_2 Verify' : unknownOperator([rest[1]]));
    case 'prompt':
      return unknownNode(rest[0]) ?? (rest.length < 2 ? 'prompt takes a node and the text, e.g. prompt node_2 Show your work' : undefined);
    case 'finish':
      return facts.nodeIds.length === 0 ? 'nothing to finish: the canvas is empty' : undefined;
    default:
      return `not an action: "${verb}" — try add X, parallel A,B, cond Verify Revise, loop A,B 2, del ID, mod ID X, prompt ID text, finish, or XML`;
  }
}

/** The canvas's reason for a rejection, without its XML framing. */
export function rejectionReason(feedback: string): string {
  const message = /\[Message\]:\s*(.*)/.exec(feedback)?.[1];
  return (message ?? feedback.split('\n').find((line) => line.trim() !== '' && !line.startsWith('<')) ?? 'rejected').trim();
}
