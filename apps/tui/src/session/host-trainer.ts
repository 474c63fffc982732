import { Tokens, resolveSlot, resolveToken, type Host, type PolicyTrainer } from '@flowsteer/core';
import { resolveRuntime, type Runtime } from './runtime.js';

/**
 * The trainer `trainer.use` names, handed the host's canvas (`canvas.use`) and executor
 * (`executor.use`, resolved as every command does: `auto` is a configured or local LLM, else the
 * simulator), so a plugin trainer can play episodes on exactly what the app plays them on. The
 * built-in cwrpo trainer ignores both: it trains on the workflow simulator.
 */
export async function hostTrainer(host: Host<Record<never, never>>): Promise<{ readonly trainer: PolicyTrainer; close(): Promise<void> }> {
  const config = host.config.config;
  const factory = await resolveSlot(host.registries.trainers, config.trainer, host.cwd);
  let runtime: Promise<Runtime> | undefined;
  const trainer = await factory({
    settings: { canvas: config.canvas },
    events: host.events,
    cwd: host.cwd,
    options: config.trainer.options,
    canvas: () => resolveToken(host.container, Tokens.Canvas),
    executor: async () => (await (runtime ??= resolveRuntime(host, { events: host.events }))).executor,
  });
  return {
    trainer,
    close: async () => {
      if (runtime !== undefined) await (await runtime).close();
    },
  };
}
