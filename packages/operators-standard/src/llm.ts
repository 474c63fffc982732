import { collectStream, type OperatorContext } from '@flowsteer/core';

export interface CompletionOptions {
  readonly system?: string;
  readonly maxTokens?: number;
  readonly temperature?: number;
}

/**
 * One executor-LLM call on behalf of a node: streams deltas as `node.output` events, records
 * usage against the node, and honours the node's AbortSignal.
 */
export async function complete(ctx: OperatorContext, prompt: string, options: CompletionOptions = {}): Promise<string> {
  const messages = [...(options.system === undefined ? [] : [{ role: 'system' as const, content: options.system }]), { role: 'user' as const, content: prompt }];
  const result = await collectStream(
    ctx.backend.stream({ messages, sampling: { temperature: options.temperature ?? 0, ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }) }, signal: ctx.signal }),
    (delta) => ctx.events.emit({ type: 'node.output', runId: ctx.runId, nodeId: ctx.nodeId, delta }),
  );
  ctx.usage.record(result.usage, result.latencyMs);
  return result.text;
}
