import { collectStream } from './contracts/llm.js';
import type { OperatorContext } from './contracts/operator.js';

export interface NodeCompletionOptions {
  readonly system?: string;
  readonly maxTokens?: number;
  readonly temperature?: number;
}

/**
 * One executor-LLM call on behalf of a workflow node: streams deltas as `node.output` events (a
 * plain completion when the events sink says nobody wants them),
 * records usage against the node, and honours the node's AbortSignal. Operators use this rather
 * than calling the backend directly so accounting and streaming are uniform.
 */
export async function completeForNode(ctx: OperatorContext, prompt: string, options: NodeCompletionOptions = {}): Promise<string> {
  const messages = [...(options.system === undefined ? [] : [{ role: 'system' as const, content: options.system }]), { role: 'user' as const, content: prompt }];
  const request = { messages, sampling: { temperature: options.temperature ?? 0, ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }) }, signal: ctx.signal };
  // Streaming costs a parse and an event per delta; when nobody watches the node's output, one
  // plain completion gives the same answer for about a third less client CPU per call.
  const result =
    ctx.events.wants?.('node.output') === false
      ? await ctx.backend.chat(request)
      : await collectStream(ctx.backend.stream(request), (delta) => ctx.events.emit({ type: 'node.output', runId: ctx.runId, nodeId: ctx.nodeId, delta }));
  ctx.usage.record(result.usage, result.latencyMs);
  return result.text;
}
