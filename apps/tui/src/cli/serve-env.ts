import type { Command } from 'commander';
import { Tokens, backendSettingsFrom, resolveToken, type Host } from '@flowsteer/core';
import { LlmPolicy } from '@flowsteer/canvas';
import { EnvServer, ProxyRollouts, REWARD_CHOICES, SCORING_MODES, type ScoringMode } from '@flowsteer/env-server';
import { resolveServeEnvSlots } from './serve-env-slots.js';
import { CliUsageError } from '../errors.js';
import { boot, positiveInt, nonNegativeInt, type CliIo, type GlobalOptions } from './shared.js';

/** Variables serve-env reads itself (they are not config keys, so the host never sees them). */
export const SERVE_ENV_VARIABLES = { token: 'FLOWSTEER_ENV_TOKEN', rewardUrl: 'FLOWSTEER_REWARD_URL', rewardToken: 'FLOWSTEER_REWARD_TOKEN' } as const;

interface ServeEnvOptions {
  port: number;
  host: string;
  executor: 'config' | 'sim';
  sandbox?: string;
  scoring: string;
  schedule: string;
  maxRounds?: number;
  minOperators?: number;
  checker?: boolean;
  structure?: boolean;
  maxSessions: number;
  sessionTtl: number;
  maxActionBytes: number;
  maxBatch: number;
  seed: number;
  nodeTimeout: number;
  grace: number;
  proxy?: boolean;
}

function withoutServeEnvVariables(env: CliIo['env']): CliIo['env'] {
  const names = new Set<string>(Object.values(SERVE_ENV_VARIABLES));
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.has(name)));
}

/** Proxy mode: the policy is the configured policy backend, whose base URL is the engine's gateway. */
function proxyFrom(host: Host<Record<never, never>>, io: CliIo): ProxyRollouts {
  const policySettings = host.config.config.policy.backend;
  const executorSettings = host.config.config.executor;
  if (policySettings.baseUrl === undefined) throw new CliUsageError('--proxy needs the gateway as the policy backend: --set policy.backend.baseUrl=GATEWAY_URL (or FLOWSTEER_POLICY_BACKEND_BASE_URL)');
  // The executor's calls must never be trained on: refuse a gateway shared by both.
  if (executorSettings.baseUrl !== undefined && new URL(executorSettings.baseUrl).href === new URL(policySettings.baseUrl).href) {
    throw new CliUsageError('--proxy: executor.baseUrl is the policy gateway; the executor must have its own endpoint so its calls never go through the gateway');
  }
  const factory = host.registries.backends.get(policySettings.backend);
  const rewardUrl = io.env[SERVE_ENV_VARIABLES.rewardUrl];
  const rewardToken = io.env[SERVE_ENV_VARIABLES.rewardToken];
  return new ProxyRollouts({
    policy: async (target) => new LlmPolicy(target.policyBaseUrl === undefined ? await resolveToken(host.container, Tokens.PolicyBackend) : await factory(backendSettingsFrom({ ...policySettings, baseUrl: target.policyBaseUrl }))),
    ...(rewardUrl === undefined || rewardUrl === '' ? {} : { rewardUrl }),
    ...(rewardToken === undefined || rewardToken === '' ? {} : { rewardToken }),
  });
}

/** `flowsteer serve-env`. */
export function registerServeEnv(program: Command, io: CliIo): void {
  program
    .command('serve-env')
    .description('serve the Workflow Canvas as an RL environment over HTTP (protocol flowsteer.env/1): executes, scores and rewards each episode for external trainers')
    .option('--port <n>', 'port', (v) => nonNegativeInt(v, '--port'), 8765)
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--executor <kind>', 'config (executor.use: the workflow executor on the configured model, a plugin\'s executor or a custom module) or sim (the test executor: workflow simulator, no LLM)', 'config')
    .option('--sandbox <name>', 'Python sandbox for code operators and pass@1 scoring (default: sandbox.use, the isolated system-python). The canvas (canvas.use) and the scorer (scorer.use) come from config')
    .option('--scoring <mode>', `answer scoring: ${SCORING_MODES.join(' or ')} (per session: body.scoring)`, 'strict')
    .option('--schedule <name>', `default reward schedule: ${REWARD_CHOICES.join(', ')} (per session: body.schedule)`, 'reference')
    .option('--max-rounds <n>', 'canvas round limit (default: canvas.maxRounds)', (v) => positiveInt(v, '--max-rounds'))
    .option('--min-operators <n>', 'operators required to finish (default: canvas.minOperators)', (v) => positiveInt(v, '--min-operators'))
    .option('--no-checker', 'do not require solver and checker operators to finish')
    .option('--no-structure', 'do not require a structure to finish')
    .option('--max-sessions <n>', 'open sessions at most (finished episodes free theirs at once)', (v) => positiveInt(v, '--max-sessions'), 4096)
    .option('--session-ttl <s>', 'seconds an idle session is kept', (v) => positiveInt(v, '--session-ttl'), 1800)
    .option('--max-action-bytes <n>', 'largest policy completion accepted per step', (v) => positiveInt(v, '--max-action-bytes'), 16_384)
    .option('--max-batch <n>', 'requests per batch call at most', (v) => positiveInt(v, '--max-batch'), 1024)
    .option('--seed <n>', 'first seed of sessions that bring none', (v) => nonNegativeInt(v, '--seed'), 0)
    .option('--node-timeout <ms>', 'timeout of one executor node attempt', (v) => positiveInt(v, '--node-timeout'), 120_000)
    .option('--grace <ms>', 'on SIGTERM/SIGINT, how long requests in flight may finish', (v) => positiveInt(v, '--grace'), 30_000)
    .option('--proxy', 'proxy mode: POST /v1/rollout runs whole episodes with the policy backend (the engine gateway) and posts the reward to FLOWSTEER_REWARD_URL')
    .action(async (options: ServeEnvOptions) => {
      if (options.executor !== 'config' && options.executor !== 'sim') throw new CliUsageError(`--executor must be config or sim, got "${options.executor}"`);
      if (!(SCORING_MODES as readonly string[]).includes(options.scoring)) throw new CliUsageError(`--scoring must be one of ${SCORING_MODES.join(', ')}`);
      if (!REWARD_CHOICES.includes(options.schedule)) throw new CliUsageError(`--schedule must be one of ${REWARD_CHOICES.join(', ')}`);
      const host = await boot({ ...io, env: withoutServeEnvVariables(io.env) }, program.opts<GlobalOptions>());
      const canvasConfig = host.config.config.canvas;
      const canvas = {
        maxRounds: options.maxRounds ?? canvasConfig.maxRounds,
        minOperators: options.minOperators ?? canvasConfig.minOperators,
        requireChecker: options.checker === false ? false : canvasConfig.requireChecker,
        requireStructure: options.structure === false ? false : canvasConfig.requireStructure,
      };
      const proxy = options.proxy === true ? proxyFrom(host, io) : undefined;
      const slots = await resolveServeEnvSlots(host, host.events, { executor: options.executor, ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }), nodeTimeoutMs: options.nodeTimeout, canvas });
      const token = io.env[SERVE_ENV_VARIABLES.token];
      const server = new EnvServer({
        canvas,
        createCanvas: slots.createCanvas,
        executor: slots.executorFor,
        scorer: slots.scorer,
        scoring: options.scoring as ScoringMode,
        schedule: options.schedule,
        maxSessions: options.maxSessions,
        sessionTtlMs: options.sessionTtl * 1000,
        maxActionBytes: options.maxActionBytes,
        maxBatch: options.maxBatch,
        seed: options.seed,
        ...(token === undefined || token === '' ? {} : { token }),
        ...(proxy === undefined ? {} : { proxy }),
      });
      const url = await server.listen(options.port, options.host);
      io.stdout(`serving the canvas at ${url} (protocol flowsteer.env/1: POST /v1/reset, /v1/step, /v1/batch/*${options.proxy === true ? ', /v1/rollout' : ''}; GET /v1/health, /v1/schema) with the ${slots.label}${token === undefined || token === '' ? '' : ', bearer token required'}; Ctrl-C stops\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server
            .close(options.grace)
            .then(() => slots.close())
            .then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
