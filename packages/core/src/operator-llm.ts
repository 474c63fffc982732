import { collectStream } from './contracts/llm.js';
import type { OperatorContext } from './contracts/operator.js';

export interface NodeCompletionOptions {
  readonly system?: string;
  readonly maxTokens?: number;
  readonly temperature?: number;
}

/**
 * One executor-LLM call on behalf of a workflow node: streams deltas as `node.output` events,
 * records usage against the node, and honours the node's AbortSignal. Operators use this rather
 * than calling the backend directly so accounting and streaming are uniform.
 */
export async function completeForNode(ctx: OperatorContext, prompt: string, options: NodeCompletionOptions = {}): Promise<string> {
  const messages = [...(options.system === undefined ? [] : [{ role: 'system' as const, content: options.system }]), { role: 'user' as const, content: prompt }];
  const result = await collectStream(
    ctx.backend.stream({ messages, sampling: { temperature: options.temperature ?? 0, ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }) }, signal: ctx.signal }),
    (delta) => ctx.events.emit({ type: 'node.output', runId: ctx.runId, nodeId: ctx.nodeId, delta }),
  );
  ctx.usage.record(result.usage, result.latencyMs);
  return result.text;
}
