// @ts-check
/** A 20-turn episode: adds, structure prompts, a rejected finish, a delete, a modify and a final finish. */
export const TWENTY_TURNS = [
  '<action>add</action><operator>Plan</operator>',
  'Outline the computation.',
  '<action>add</action><operator>Programmer</operator>',
  'Write solve() that computes the value.',
  '<action>add</action><structure>parallel</structure><operators>Custom,AnswerGenerate</operators>',
  'Reason in words.',
  'Answer directly.',
  '<action>finish</action>',
  '<action>add</action><operator>ScEnsemble</operator>',
  'Pick the majority answer.',
  '<action>add</action><structure>conditional</structure><condition>Verify</condition><true>Revise</true><false>done</false>',
  'Check the answer independently.',
  'Fix the answer using the feedback.',
  '<action>add</action><operator>Custom</operator>',
  'Restate the answer.',
  '<action>delete</action><target>node_6</target>',
  '<action>add</action><operator>Format</operator>',
  'Output only the final value.',
  '<action>set_prompt</action><target>node_1</target><prompt>Plan the computation in two steps.</prompt>',
  '<action>finish</action>',
];
