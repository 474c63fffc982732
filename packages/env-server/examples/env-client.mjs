#!/usr/bin/env node
// Example client for `flowsteer serve-env` (protocol flowsteer.env/1): an external trainer drives
// the canvas over HTTP. Replace `policy` with a call to your LLM (vLLM, SGLang, ...) and feed the
// per-turn (prompt, completion) samples and the episode-end reward to your RL engine.
//
//   flowsteer serve-env --executor sim --port 8765 &
//   node packages/env-server/examples/env-client.mjs http://127.0.0.1:8765
const base = process.argv[2] ?? 'http://127.0.0.1:8765';
const token = process.env.FLOWSTEER_ENV_TOKEN;

const script = [
  '<action>add</action><operator>Plan</operator>',
  'Plan how to compute the product.',
  '<action>add</action><operator>Programmer</operator>',
  'Write solve() that returns 6*7.',
  '<action>add</action><operator>Custom</operator>',
  'State the result.',
  '<action>add</action><structure>conditional</structure><condition>Verify</condition><true>Revise</true><false>done</false>',
  'Recompute the product independently.',
  'Fix the answer using the feedback.',
  '<action>add</action><operator>Format</operator>',
  'Output only the number.',
  '<action>finish</action>',
];
let turn = 0;
/** A stand-in policy: replays a fixed script. */
async function policy(_observation) {
  return script[turn++] ?? '<action>finish</action>';
}

async function post(path, body) {
  const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const response = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify({ protocol: 'flowsteer.env/1', ...body }) });
  const json = await response.json();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${json.reason}: ${json.error}`);
  return json;
}

const task = { problem: 'What is 6*7?', type: 'math', answer: '42', source: 'gsm8k' };
const { session, observation: first } = await post('/v1/reset', { task, seed: Number(process.argv[3] ?? 1) });
let observation = first;
const turns = [];
for (;;) {
  const action = await policy(observation);
  const step = await post('/v1/step', { session, action });
  turns.push({ promptChars: observation.text.length, action, accepted: step.info.accepted });
  observation = step.observation;
  if (step.done) {
    const { structure, released, correctness, total, finished, rounds } = step.breakdown;
    console.log(JSON.stringify({ turns: turns.length, dsl: step.info.dsl, structure, released, correctness, total, finished, rounds }));
    break;
  }
}
