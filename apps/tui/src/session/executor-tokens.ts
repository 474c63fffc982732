import type { ExecutionOutcome, ExecutionRequest, WorkflowExecutor } from '@flowsteer/core';

/** The tokens the workflow simulator says a run would have spent (its `simulated_tokens`), if the output is its. */
export function simulatedTokens(output: unknown): number | undefined {
  if (typeof output !== 'object' || output === null) return undefined;
  const tokens = (output as Record<string, unknown>)['simulated_tokens'];
  return typeof tokens === 'number' ? tokens : undefined;
}

/** One `execute` with its token count: the simulator's own count, else what the executor's `tokensUsed()` grew by. */
export async function executeCounted(executor: WorkflowExecutor, request: ExecutionRequest, signal: AbortSignal): Promise<{ result: ExecutionOutcome; tokens: number }> {
  const before = executor.tokensUsed?.() ?? 0;
  const result = await executor.execute(request, signal);
  return { result, tokens: simulatedTokens(result.output) ?? (executor.tokensUsed?.() ?? 0) - before };
}
