// @ts-check
// A fixed-latency OpenAI-compatible server in its own process, so the benchmark's client is not
// slowed by the server's own work. Prints its base URL on stdout. Reads commands on stdin, one a
// line: `stats` prints `{"requests":N,"connections":C,"delaySumMs":D,"cpuMs":M}` (requests answered,
// TCP connections accepted, the summed delays as they really happened, this process's CPU time), so
// the benchmark can tell the server's share of a call's time from the client's. Exits when stdin
// closes.
//
// It answers like a real server's client sees one: it reads and parses the JSON request, waits the
// fixed latency, then streams the reply as SSE `chat.completion.chunk` events (7-character content
// deltas, a finish event, a usage event, `[DONE]`) or one JSON completion when `stream` is off.
// What it leaves out is work only the server would do: it records no requests, and it builds each
// stream once per model and writes its events corked, in one write, instead of one syscall (and
// one TCP segment) per event. Each event is still its own HTTP chunk, so the client parses and
// handles them one by one as it would a real stream (with --per-event-writes the client CPU per
// call measured the same within noise).
// Usage: node fake-llm-process.mjs [latency-ms] [--per-event-writes]
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';

const latencyMs = Number(process.argv[2] ?? '50');
/** Writes each event with its own res.write, uncorked (how the fake server in the test kit does it). */
const perEventWrites = process.argv.includes('--per-event-writes');
const CONTENT = '<answer>42</answer><solution_letter>A</solution_letter>';
const COMPLETION_TOKENS = CONTENT.split(/\s+/).filter(Boolean).length;
let requests = 0;
let connections = 0;
/** Sum of the delays as they happened (timer firing and event-loop lag included), for the mean. */
let delaySumMs = 0;

/** The SSE events of one reply for `model`; built once, they do not depend on the prompt. @type {Map<string, string[]>} */
const streams = new Map();
/** @param {string} model */
function streamEvents(model) {
  let events = streams.get(model);
  if (events === undefined) {
    const chunk = (/** @type {object} */ delta, /** @type {string | null} */ finish) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    events = (CONTENT.match(/.{1,7}/gs) ?? []).map((piece) => chunk({ content: piece }, null));
    events.push(chunk({}, 'stop'));
    // The usage event depends on the prompt, so it is not part of the cached events.
    streams.set(model, events);
  }
  return events;
}

/** @param {{ messages?: Array<{ content?: unknown }> }} body */
function promptTokens(body) {
  let tokens = 0;
  for (const message of body.messages ?? []) if (typeof message.content === 'string') tokens += message.content.split(/\s+/).filter(Boolean).length;
  return tokens;
}

const server = createServer((req, res) => {
  /** @type {Buffer[]} */
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method !== 'POST' || req.url?.endsWith('/chat/completions') !== true) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    /** @type {{ model?: string; stream?: boolean; messages?: Array<{ content?: unknown }> }} */
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'request body is not JSON' } }));
      return;
    }
    const model = body.model ?? 'fake-model';
    const prompt = promptTokens(body);
    const usage = { prompt_tokens: prompt, completion_tokens: COMPLETION_TOKENS, total_tokens: prompt + COMPLETION_TOKENS };
    const received = performance.now();
    setTimeout(() => {
      requests++;
      delaySumMs += performance.now() - received;
      if (res.destroyed) return;
      if (body.stream !== true) {
        const completion = { id: 'c1', object: 'chat.completion', model, choices: [{ index: 0, message: { role: 'assistant', content: CONTENT }, finish_reason: 'stop', logprobs: null }], usage };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion));
        return;
      }
      const events = [...streamEvents(model), `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model, choices: [], usage })}\n\n`, 'data: [DONE]\n\n'];
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      if (perEventWrites) {
        for (const event of events.slice(0, -1)) res.write(event);
        res.end(events[events.length - 1]);
        return;
      }
      res.cork();
      for (const event of events) res.write(event);
      res.end();
    }, latencyMs);
  });
});
server.on('connection', () => connections++);
server.keepAliveTimeout = 60_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
const address = server.address();
if (address === null || typeof address === 'string') throw new Error('no port');
console.log(`http://127.0.0.1:${address.port}/v1`);

const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  if (line.trim() !== 'stats') return;
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ requests, connections, delaySumMs, cpuMs: (cpu.user + cpu.system) / 1000 }));
});
commands.on('close', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
