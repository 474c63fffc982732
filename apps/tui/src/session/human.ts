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
