import { BackendError, FlowSteerError, type BackendSettings, type ChatRequest, type ChatStreamEvent, type LlmBackend } from '@flowsteer/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPluginPackage, type LoadedForTest } from './load-plugin.js';

/** The requests the suite sends, each once, so a setup can prepare answers (a cassette, a script). */
export const BACKEND_CONFORMANCE_REQUESTS = {
  chat: { messages: [{ role: 'user', content: 'conformance: say hello' }], sampling: { temperature: 0, maxTokens: 32 } },
  stream: { messages: [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: 'conformance: stream a sentence' }], sampling: { temperature: 0, maxTokens: 64 } },
  aborted: { messages: [{ role: 'user', content: 'conformance: this call is aborted before it starts' }] },
} as const satisfies Record<string, ChatRequest>;

/** A backend under test: settings for the plugin's factory, and how to clean up after. */
export interface BackendFixture {
  readonly settings: BackendSettings;
  readonly teardown?: () => Promise<void>;
}

export interface BackendConformanceOptions {
  /** The plugin package directory (the folder with package.json), as a path or `file:` URL. */
  readonly packageDir: string | URL;
  /** The backend name the plugin registers. */
  readonly backend: string;
  /** Prepares a working backend: start a server, record a cassette, point at a model file. */
  readonly setup: (requests: typeof BACKEND_CONFORMANCE_REQUESTS) => Promise<BackendFixture>;
  /** Prepares a backend that cannot answer (dead server, missing model): it must fail with a BackendError. */
  readonly failing?: () => Promise<BackendFixture>;
  readonly timeoutMs?: number;
}

const FINISH_REASONS = ['stop', 'length', 'abort', 'error', 'other'];

function expectUsage(usage: { promptTokens: number; completionTokens: number; totalTokens: number }): void {
  for (const value of [usage.promptTokens, usage.completionTokens, usage.totalTokens]) {
    expect(Number.isInteger(value) && value >= 0, `token counts are non-negative integers: ${JSON.stringify(usage)}`).toBe(true);
  }
  expect(usage.totalTokens).toBe(usage.promptTokens + usage.completionTokens);
}

/**
 * The backend plugin conformance suite: loads the package through the host's discovery, builds
 * the named backend from its factory, and checks chat, streaming, usage, cancellation and typed
 * failures against the LlmBackend contract.
 */
export function describeBackendConformance(title: string, options: BackendConformanceOptions): void {
  describe(`${title}: backend plugin conformance`, () => {
    let loaded: LoadedForTest | undefined;
    let fixture: BackendFixture | undefined;
    let backend: LlmBackend | undefined;
    const timeout = options.timeoutMs ?? 30_000;

    beforeAll(async () => {
      loaded = await loadPluginPackage(options.packageDir);
      fixture = await options.setup(BACKEND_CONFORMANCE_REQUESTS);
      backend = await loaded.registries.backends.get(options.backend)(fixture.settings);
    }, timeout);
    afterAll(async () => {
      await backend?.close?.();
      await fixture?.teardown?.();
    });

    const subject = (): LlmBackend => {
      if (backend === undefined) throw new Error('backend was not created');
      return backend;
    };

    it('loads through the host and registers the named backend with an id for ledgers', () => {
      expect(loaded?.plugin.kind).toBe('backend');
      expect(loaded?.plugin.provides.backends).toContain(options.backend);
      expect(subject().id.trim()).not.toBe('');
    });

    it('answers chat with text, model, finish reason, consistent usage and latency', async () => {
      const result = await subject().chat(BACKEND_CONFORMANCE_REQUESTS.chat);
      expect(typeof result.text).toBe('string');
      expect(result.model.trim()).not.toBe('');
      expect(FINISH_REASONS).toContain(result.finishReason);
      expectUsage(result.usage);
      expect(result.latencyMs).toBeGreaterThanOrEqual(0);
      if (result.tokenIds !== undefined && result.logprobs !== undefined) expect(result.logprobs.length).toBe(result.tokenIds.length);
    }, timeout);

    it('streams deltas, then exactly one done event whose text is the deltas joined', async () => {
      const events: ChatStreamEvent[] = [];
      for await (const event of subject().stream(BACKEND_CONFORMANCE_REQUESTS.stream)) events.push(event);
      const done = events.filter((e) => e.type === 'done');
      expect(done).toHaveLength(1);
      expect(events[events.length - 1]?.type).toBe('done');
      const joined = events.map((e) => (e.type === 'delta' ? e.text : '')).join('');
      const final = done[0];
      if (final?.type !== 'done') throw new Error('no done event');
      expect(joined).toBe(final.result.text);
      expectUsage(final.result.usage);
    }, timeout);

    it('refuses a request whose signal is already aborted, with a typed error', async () => {
      const controller = new AbortController();
      controller.abort(new Error('cancelled by the conformance suite'));
      const error = await subject().chat({ ...BACKEND_CONFORMANCE_REQUESTS.aborted, signal: controller.signal }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, 'an aborted call must not answer').toBeDefined();
      expect(error).toBeInstanceOf(FlowSteerError);
      expect(['ABORTED', 'BACKEND_FAILED']).toContain((error as FlowSteerError).code);
    }, timeout);

    it.runIf(options.failing !== undefined)('fails with a BackendError, never a bare error, when it cannot answer', async () => {
      const failing = await options.failing?.();
      if (failing === undefined || loaded === undefined) throw new Error('no failing fixture');
      try {
        const broken = await Promise.resolve()
          .then(() => loaded?.registries.backends.get(options.backend)(failing.settings))
          .catch((error: unknown) => error);
        if (broken instanceof Error) {
          expect(broken).toBeInstanceOf(BackendError);
          return;
        }
        const error = await (broken as LlmBackend).chat(BACKEND_CONFORMANCE_REQUESTS.chat).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, 'the failing fixture answered').toBeDefined();
        expect(error).toBeInstanceOf(BackendError);
        await (broken as LlmBackend).close?.();
      } finally {
        await failing.teardown?.();
      }
    }, timeout);

    it('closes idempotently', async () => {
      const extra = await loaded?.registries.backends.get(options.backend)(fixture?.settings ?? {});
      await extra?.close?.();
      await extra?.close?.();
    }, timeout);
  });
}
