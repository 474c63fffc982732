// @ts-check
// A fixed-latency OpenAI-compatible server in its own process, so the benchmark's client is not
// slowed by the server's own work. Prints its base URL on stdout; exits when stdin closes.
import { FakeOpenAiServer } from '@flowsteer/testing';

const latencyMs = Number(process.argv[2] ?? '50');
const server = await FakeOpenAiServer.start(() => ({ content: '<answer>42</answer><solution_letter>A</solution_letter>', delayMs: latencyMs }));
// Only the latest requests matter; the recorded list would otherwise grow for the whole run.
setInterval(() => server.requests.splice(0, server.requests.length), 1000).unref();
console.log(server.baseUrl);
process.stdin.resume();
process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
