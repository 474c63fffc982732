#!/usr/bin/env node
// @ts-check
// Benchmark: executor throughput against an OpenAI-compatible server with a fixed latency.
// The ceiling is concurrency / latency calls per second; we report the achieved fraction of it.
// Usage: node tools/bench/executor-throughput.mjs [--latency-ms 50] [--concurrency 16] [--workflows 40] [--runs 5]
import { OpenAiCompatibleBackend } from '@flowsteer/backends-openai';
import { WorkflowExecutor, parseDsl } from '@flowsteer/canvas';
import { STANDARD_OPERATORS } from '@flowsteer/operators-standard';
import { FakeOpenAiServer } from '@flowsteer/testing';
import { median, parseArgs, percentile, report } from './stats.mjs';

const args = parseArgs(process.argv.slice(2), { 'latency-ms': 50, concurrency: 16, workflows: 40, runs: 5 });
// Six LLM calls per workflow: four parallel branches, an ensemble choice, a formatter.
const WORKFLOW = 'Custom -> [Custom, AnswerGenerate, Custom, AnswerGenerate] -> ScEnsemble -> Format';

const server = await FakeOpenAiServer.start(() => ({ content: '<answer>42</answer><solution_letter>A</solution_letter>', delayMs: args['latency-ms'] }));
const backend = new OpenAiCompatibleBackend({ baseUrl: server.baseUrl, model: 'bench', concurrency: args.concurrency });
const executor = new WorkflowExecutor({ operators: STANDARD_OPERATORS, backend });
const graph = parseDsl(WORKFLOW);
const ceiling = args.concurrency / (args['latency-ms'] / 1000);

async function batch() {
  const before = executor.ledger.entries.length;
  const start = performance.now();
  const runs = await Promise.all(Array.from({ length: args.workflows }, (_, i) => executor.run(graph, { problem: `task ${i}`, type: 'math' })));
  const seconds = (performance.now() - start) / 1000;
  if (runs.some((r) => !r.success)) throw new Error(`a workflow failed: ${runs.find((r) => !r.success)?.error}`);
  const calls = executor.ledger.entries.length - before;
  return { callsPerSecond: calls / seconds, workflowsPerSecond: args.workflows / seconds };
}

await batch(); // warm-up
const results = [];
for (let i = 0; i < args.runs; i++) results.push(await batch());
await server.close();
const calls = results.map((r) => r.callsPerSecond);
report(`executor throughput (${WORKFLOW}; latency ${args['latency-ms']} ms, concurrency ${args.concurrency})`, {
  'ceiling calls/s': ceiling,
  'calls/s median': median(calls),
  'calls/s p10': percentile(calls, 10),
  'fraction of ceiling': median(calls) / ceiling,
  'workflows/s median': median(results.map((r) => r.workflowsPerSecond)),
  runs: args.runs,
});
