#!/usr/bin/env node
// Example client for `flowsteer serve-env`: an external trainer drives the canvas over HTTP.
// Replace `policy` with a call to your LLM (vLLM, SGLang, ...) and feed the collected
// (observation, action, feedback) turns to your RL engine.
//
//   flowsteer serve-env --port 8765 &
//   node packages/cwrpo/examples/env-client.mjs http://127.0.0.1:8765
const base = process.argv[2] ?? 'http://127.0.0.1:8765';

const script = [
  '<action>add</action><operator>Plan</operator>',
  'Plan how to compute the product.',
  '<action>add</action><operator>Programmer</operator>',
  'Write solve() that returns 6*7.',
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
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}: ${json.error}`);
  return json;
}

const { session, observation: first } = await post('/reset', { task: { problem: 'What is 6*7?', type: 'math' } });
let observation = first;
const turns = [];
for (;;) {
  const action = await policy(observation);
  const step = await post('/step', { session, action });
  turns.push({ prompt: observation.text.length, action, accepted: step.info.accepted });
  observation = step.observation;
  if (step.done) {
    console.log(JSON.stringify({ turns: turns.length, dsl: step.info.dsl, structureReward: step.structureReward }));
    break;
  }
}
await fetch(`${base}/sessions/${session}`, { method: 'DELETE' });
