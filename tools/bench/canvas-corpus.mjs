// @ts-check
/**
 * A seeded, varied corpus of canvas transcripts for the replay benchmark: valid and invalid
 * actions (malformed tags, unknown or lower-case operators, fallback text, think blocks), prompts
 * of many lengths (some non-ASCII), every structure, deletes of live and missing nodes, modifies,
 * set_prompt and finish attempts. The texts do not depend on the canvas build, so two builds
 * replay exactly the same inputs.
 */

/** Mulberry32: small, fast, deterministic. @param {number} seed */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPERATORS = ['Custom', 'AnswerGenerate', 'Programmer', 'ScEnsemble', 'Test', 'Review', 'Revise', 'Decompose', 'Verify', 'Plan', 'Aggregate', 'Format'];
const SOLVERS = ['Custom', 'AnswerGenerate', 'Programmer'];
const CHECKERS = ['Verify', 'Review', 'Test'];
const PROMPTS = [
  'Solve the problem step by step and give the final number.',
  'Write solve() that computes the value exactly and returns it.',
  'Check the current answer independently; say whether it is correct.',
  'Output only the final answer.',
  'Fix the answer using the checker feedback.',
  'Plan the computation: list the quantities and the order of operations.',
  'Résous le problème étape par étape, puis donne la réponse finale.',
  '请逐步求解这个问题，并给出最终答案。',
  'Merge the candidate answers and keep the one most of them agree on.',
];
const PROBLEMS = [
  { problem: 'What is 6*7?', type: 'math' },
  { problem: 'A train travels 120 km in 1.5 hours. What is its average speed in km/h?', type: 'math' },
  { problem: 'Which city is the capital of Australia?', type: 'qa' },
  { problem: 'Écrivez une fonction qui renvoie la somme des carrés de 1 à n.', type: 'code', entryPoint: 'sum_squares', test: 'assert sum_squares(1) == 1\nassert sum_squares(2) == 5\nassert sum_squares(3) == 14' },
  { problem: '一个数的三倍加五等于二十，这个数是多少？', type: 'math' },
];

/** @template T @param {() => number} r @param {readonly T[]} items @returns {T} */
const pick = (r, items) => /** @type {T} */ (items[Math.floor(r() * items.length)]);

/** @param {() => number} r */
function prompt(r) {
  const base = pick(r, PROMPTS);
  const repeat = r() < 0.15 ? 1 + Math.floor(r() * 6) : 1;
  const text = Array.from({ length: repeat }, () => base).join(' ');
  return r() < 0.1 ? `<prompt>${text}</prompt>` : r() < 0.05 ? `<think>considering</think>${text}` : text;
}

/** @param {() => number} r @param {number} nodes */
function action(r, nodes) {
  const target = () => `node_${1 + Math.floor(r() * (nodes + 2))}`;
  const roll = r();
  const reasoning = r() < 0.3 ? `<reasoning>The workflow needs ${pick(r, OPERATORS)} next because the last result was unclear.</reasoning>\n` : '';
  if (roll < 0.32) return `${reasoning}<action>add</action><operator>${pick(r, OPERATORS)}</operator>`;
  if (roll < 0.40) return `${reasoning}<action>add</action><structure>parallel</structure><operators>${pick(r, SOLVERS)}, ${pick(r, SOLVERS)}</operators>`;
  if (roll < 0.48) return `${reasoning}<action>add</action><structure>conditional</structure><condition>${pick(r, CHECKERS)}</condition><true>${pick(r, ['Revise', 'Programmer'])}</true><false>done</false>`;
  if (roll < 0.53) return `${reasoning}<action>add</action><structure>loop</structure><operators>Review, Revise</operators><count>${1 + Math.floor(r() * 3)}</count>`;
  if (roll < 0.60) return `<action>delete</action><target>${target()}</target>`;
  if (roll < 0.65) return `<action>modify</action><target>${target()}</target><operator>${pick(r, OPERATORS)}</operator>`;
  if (roll < 0.70) return `<action>set_prompt</action><target>${target()}</target><prompt>${pick(r, PROMPTS)}</prompt>`;
  if (roll < 0.78) return r() < 0.5 ? '<action>finish</action>' : '<action>finish</action><answer>42</answer>';
  // Invalid or unusual: each is answered with feedback.
  return pick(r, [
    '<action>add</action><operator>custom</operator>',
    '<action>add</action><operator>Foo</operator>',
    '<action>add</action><structure>parallel</structure><operators>Custom</operators>',
    '<action>remove</action><target>node_1</target>',
    'I think we should add Programmer here',
    "The workflow looks complete, let's finish.",
    '```<action>add</action><operator>Custom</operator>```',
    '<think>hmm</think>Use Plan then Programmer',
    '<action>add</action><structure>parallel</structure><operators>Custom, Aggregate</operators>',
    '<action>delete</action>',
    '',
  ]);
}

/**
 * @param {number} count @param {number} seed
 * @returns {{ task: { problem: string, type: string, entryPoint?: string, test?: string }, turns: string[] }[]}
 */
export function generateCorpus(count = 200, seed = 13) {
  const r = rng(seed);
  const corpus = [];
  for (let i = 0; i < count; i++) {
    const task = pick(r, PROBLEMS);
    const length = 8 + Math.floor(r() * 25);
    const turns = [];
    let nodes = 0;
    let awaiting = 0;
    for (let t = 0; t < length; t++) {
      // The generator guesses when a prompt is due; a wrong guess is simply an odd input.
      if (awaiting > 0) {
        turns.push(prompt(r));
        awaiting--;
        continue;
      }
      const text = action(r, nodes);
      turns.push(text);
      if (text.includes('<structure>parallel') || text.includes('<structure>conditional')) awaiting = 2;
      else if (text.includes('<structure>loop')) awaiting = 2;
      else if (text.includes('<action>add') || text.includes('<action>modify')) awaiting = 1;
      if (text.includes('<action>add')) nodes++;
      if (text.includes('<action>delete') && nodes > 0) nodes--;
    }
    corpus.push({ task, turns });
  }
  return corpus;
}
