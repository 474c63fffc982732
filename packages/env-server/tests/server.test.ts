import { afterEach, describe, expect, it } from 'vitest';
import { EnvServer, SimulatedAnswerExecutor, type EnvServerOptions } from '../src/index.js';
import { CODE_SCRIPT, FULL_SCRIPT, FixedAnswerExecutor, GatedExecutor, client, expectSchema, type Client } from './support.js';

let server: EnvServer | undefined;
afterEach(async () => {
  await server?.close(1_000);
  server = undefined;
});

async function start(options: Partial<EnvServerOptions> = {}, token?: string): Promise<Client> {
  server = new EnvServer({ executor: (task, seed) => new SimulatedAnswerExecutor(task, seed), ...options });
  return client(await server.listen(0), token);
}

const MATH = { problem: 'What is 6 times 7?', type: 'math', answer: '42', source: 'gsm8k' };

async function runScript(api: Client, reset: Record<string, unknown>, script: readonly string[] = FULL_SCRIPT) {
  const opened = await api.post('/v1/reset', reset);
  expect(opened.status).toBe(200);
  expectSchema('ResetResponse', opened.json);
  const session = opened.json['session'] as string;
  let last: Record<string, unknown> = {};
  for (const action of script) {
    const stepped = await api.post('/v1/step', { session, action });
    expect(stepped.status, JSON.stringify(stepped.json)).toBe(200);
    expectSchema('StepResponse', stepped.json);
    last = stepped.json;
    if (last['done'] === true) break;
  }
  return { session, last };
}

describe('serve-env episodes', () => {
  it('executes, scores with the task metric and returns the full CWRPO breakdown at done', async () => {
    const api = await start();
    const outcomes = new Map<number, Record<string, unknown>>();
    for (let seed = 0; seed < 80 && outcomes.size < 2; seed++) {
      const { last } = await runScript(api, { task: MATH, seed });
      const breakdown = last['breakdown'] as Record<string, unknown>;
      expect(last['done']).toBe(true);
      expect(breakdown).toMatchObject({ schedule: 'reference', structure: 1, released: true, finished: true, forcedFinish: false, forcedFinishPenalty: 0, metric: 'math', dsl: 'Plan -> Programmer -> Custom -> Verify ? Revise : done -> Format' });
      expect(breakdown['components']).toEqual({ checker: 0.2, format: 0.2, operatorCount: 0.2, specialStructure: 0.4 });
      expect(last['reward']).toBeCloseTo(-1 + 1 + (breakdown['correctness'] as number), 12);
      outcomes.set(breakdown['correctness'] as number, breakdown);
    }
    // The simulator's answer is scored by the math metric: right once, wrong once among the seeds.
    expect(outcomes.get(1)).toMatchObject({ extracted: '42', total: 1 });
    expect(outcomes.get(0)).toMatchObject({ total: 0 });
    expect(server?.sessionCount).toBe(0);
  });

  it('gives the same seed the same episode and another seed its own', async () => {
    const api = await start();
    const totals = async (seed: number) => ((await runScript(api, { task: MATH, seed })).last['breakdown'] as { correctness: number; prediction: string }).prediction;
    const a = [await totals(3), await totals(3)];
    expect(a[0]).toBe(a[1]);
    const many = new Set<string>();
    for (let seed = 0; seed < 40 && many.size < 2; seed++) many.add(await totals(seed));
    expect(many.size).toBe(2);
  });

  it('selects the reward schedule per session and leaves unreleased structure without correctness', async () => {
    const api = await start({ executor: () => new FixedAnswerExecutor('\\boxed{42}') });
    const milestones = await runScript(api, { task: MATH, schedule: 'milestones' });
    expect(milestones.last['breakdown']).toMatchObject({ schedule: 'milestones', released: false, correctness: 1 });
    expect((milestones.last['breakdown'] as { total: number }).total).toBeCloseTo(-1 + (milestones.last['breakdown'] as { structure: number }).structure, 12);
    const plain = await runScript(api, { task: MATH, schedule: 'correctness' });
    expect(plain.last['breakdown']).toMatchObject({ schedule: 'correctness', total: 1, correctness: 1 });
    expect((await api.post('/v1/reset', { task: MATH, schedule: 'bonus' })).json).toMatchObject({ reason: 'BAD_REQUEST' });
  });

  it('scores hostile executor answers as the eval metrics do, in the selected mode', async () => {
    const tests = 'def check(candidate):\n    assert candidate(2) == 4\n';
    const task = { problem: 'Write double(x).', type: 'code', tests, entryPoint: 'double', source: 'humaneval' };
    const { SystemPythonSandbox } = await import('@flowsteer/operators-code');
    const { EvalScorer } = await import('../src/index.js');
    const cheat = 'All tests PASS. passed.';
    const api = await start({ executor: () => new FixedAnswerExecutor(cheat), scorer: new EvalScorer({ sandbox: async () => new SystemPythonSandbox() }) });
    for (const scoring of ['strict', 'official']) {
      const cheated = await runScript(api, { task, scoring }, CODE_SCRIPT);
      expect(cheated.last['breakdown']).toMatchObject({ metric: 'pass@1', correctness: 0 });
    }
    // The reference eval's false positives are never offered as a reward.
    expect((await api.post('/v1/reset', { task, scoring: 'reference' })).json).toMatchObject({ reason: 'BAD_REQUEST' });
    await server?.close(1_000);
    const real = await start({ executor: () => new FixedAnswerExecutor('```python\ndef double(x):\n    return 2 * x\n```'), scorer: new EvalScorer({ sandbox: async () => new SystemPythonSandbox() }) });
    expect((await runScript(real, { task }, CODE_SCRIPT)).last['breakdown']).toMatchObject({ correctness: 1, released: true, total: 1 });
  });

  it('applies the completion clean-up of the app policy (think blocks, first action only)', async () => {
    const api = await start();
    const { json } = await api.post('/v1/reset', { task: MATH });
    const thinking = '<think>maybe <action>finish</action> now?</think><action>add</action><operator>Plan</operator>';
    const stepped = await api.post('/v1/step', { session: json['session'], action: thinking });
    expect(stepped.json).toMatchObject({ action: '<action>add</action><operator>Plan</operator>', done: false, info: { accepted: true, phase: 'awaiting_prompt' } });
    const two = await api.post('/v1/step', { session: json['session'], action: '<think>a prompt</think>Plan it.' });
    expect(two.json).toMatchObject({ action: 'Plan it.', info: { kind: 'prompt', accepted: true, dsl: 'Plan' } });
  });

  it('ends an episode at the round limit as a forced finish that is not scored', async () => {
    const api = await start({ canvas: { maxRounds: 3 }, executor: () => new FixedAnswerExecutor('\\boxed{42}') });
    const { last } = await runScript(api, { task: MATH }, ['noise', 'noise', 'noise', 'noise']);
    expect(last['breakdown']).toMatchObject({ finished: false, forcedFinish: true, forcedFinishPenalty: 0.5, correctness: 0, rounds: 4, prediction: '' });
    // Base -1, no structure, minus the forced-finish penalty: less than the -1 of finishing an empty canvas.
    expect(last['reward']).toBeCloseTo(-1.5, 12);
    const plain = await runScript(api, { task: MATH, schedule: 'correctness' }, ['noise', 'noise', 'noise', 'noise']);
    expect(plain.last['breakdown']).toMatchObject({ schedule: 'correctness', forcedFinish: true, forcedFinishPenalty: 0.5, total: -0.5 });
  });

  it('pays a round-limit episode less than finishing the same fully structured workflow with a wrong answer', async () => {
    // The policy builds the full structure, then stalls with noise instead of finishing.
    const stalling = [...FULL_SCRIPT.slice(0, -1), ...Array.from({ length: 8 }, () => 'I am not sure what to do next.')];
    const api = await start({ canvas: { maxRounds: 14 }, executor: () => new FixedAnswerExecutor('\\boxed{41}') });
    const forced = (await runScript(api, { task: MATH }, stalling)).last['breakdown'] as Record<string, unknown>;
    const finished = (await runScript(api, { task: MATH })).last['breakdown'] as Record<string, unknown>;
    expect(finished).toMatchObject({ finished: true, forcedFinish: false, forcedFinishPenalty: 0, structure: 1, correctness: 0, total: 0 });
    expect(forced).toMatchObject({ finished: false, forcedFinish: true, forcedFinishPenalty: 0.5, structure: 1, released: true, correctness: 0 });
    expect(forced['total']).toBeCloseTo(-0.5, 12);
  });
});

describe('serve-env sessions', () => {
  it('frees a session at done; a late step says the episode is over', async () => {
    const api = await start();
    const { session } = await runScript(api, { task: MATH });
    expect(server?.sessionCount).toBe(0);
    const late = await api.post('/v1/step', { session, action: '<action>finish</action>' });
    expect(late.status).toBe(409);
    expectSchema('ErrorResponse', late.json);
    expect(late.json['reason']).toBe('EPISODE_OVER');
  });

  it('serialises steps of one session: an overlapping step gets 409 and the history stays in order', async () => {
    const gate = new GatedExecutor();
    const api = await start({ executor: () => gate });
    const { json } = await api.post('/v1/reset', { task: MATH });
    const session = json['session'] as string;
    await api.post('/v1/step', { session, action: '<action>add</action><operator>Plan</operator>' });
    const started = gate.waitForStart();
    const first = api.post('/v1/step', { session, action: 'Plan it.' });
    await started;
    const second = await api.post('/v1/step', { session, action: '<action>add</action><operator>Custom</operator>' });
    expect(second.status).toBe(409);
    expect(second.json['reason']).toBe('SESSION_BUSY');
    gate.release();
    expect((await first).json['info']).toMatchObject({ round: 2, kind: 'prompt', accepted: true });
    const third = api.post('/v1/step', { session, action: '<action>add</action><operator>Custom</operator>' });
    expect((await third).json['info']).toMatchObject({ round: 3, accepted: true });
  });

  it('caps open sessions (429); finished and deleted sessions free theirs', async () => {
    // The default TTL (30 min): no session may expire while the cap is checked, however slow the machine.
    const api = await start({ maxSessions: 2 });
    const { json: first } = await api.post('/v1/reset', { task: MATH });
    expect((await api.post('/v1/reset', { task: MATH })).status).toBe(200);
    const full = await api.post('/v1/reset', { task: MATH });
    expect(full.status).toBe(429);
    expect(full.json['reason']).toBe('TOO_MANY_SESSIONS');
    expect((await fetch(`${api.base}/v1/sessions/${first['session'] as string}`, { method: 'DELETE' })).status).toBe(200);
    expect((await api.post('/v1/reset', { task: MATH })).status).toBe(200);
  });

  it('leaves messages out of a compact session and keeps the same episode', async () => {
    const api = await start();
    const full = await runScript(api, { task: MATH, seed: 5 });
    const opened = await api.post('/v1/reset', { task: MATH, seed: 5, compact: true });
    expectSchema('ResetResponse', opened.json);
    expect(opened.json['observation']).not.toHaveProperty('messages');
    let last: Record<string, unknown> = {};
    for (const action of FULL_SCRIPT) {
      last = (await api.post('/v1/step', { session: opened.json['session'], action })).json;
      expectSchema('StepResponse', last);
      expect(Object.keys(last['observation'] as object).sort()).toEqual(['awaitingPrompt', 'text', 'turn']);
    }
    expect(last['breakdown']).toEqual(full.last['breakdown']);
    expect((await api.post('/v1/reset', { task: MATH, compact: 'yes' })).json['reason']).toBe('BAD_REQUEST');
  });

  it('drops idle sessions after the TTL', async () => {
    const api = await start({ sessionTtlMs: 200 });
    const { json } = await api.post('/v1/reset', { task: MATH });
    // Waits on the sweep itself (no fixed sleep): the session goes once it has been idle past the TTL.
    await expect.poll(() => server?.sessionCount, { timeout: 30_000, interval: 50 }).toBe(0);
    expect((await api.post('/v1/step', { session: json['session'], action: 'x' })).status).toBe(404);
  });

  it('refuses oversized actions before parsing them and keeps the session', async () => {
    const api = await start({ maxActionBytes: 1024 });
    const { json } = await api.post('/v1/reset', { task: MATH });
    const big = await api.post('/v1/step', { session: json['session'], action: `<action>add</action><operator>${' '.repeat(4000)}` });
    expect(big.status).toBe(413);
    expect(big.json['reason']).toBe('TOO_LARGE');
    const ok = await api.post('/v1/step', { session: json['session'], action: '<action>add</action><operator>Plan</operator>' });
    expect(ok.json['info']).toMatchObject({ round: 1, accepted: true });
  });

  it('runs batches of resets and steps with per-item errors', async () => {
    const api = await start();
    const resets = await api.post('/v1/batch/reset', { requests: [...Array.from({ length: 40 }, (_, i) => ({ task: MATH, seed: i })), { task: {} }] });
    expectSchema('BatchResponse', resets.json);
    const results = resets.json['results'] as Array<{ status: number; body: Record<string, unknown> }>;
    expect(results.slice(0, 40).every((r) => r.status === 200)).toBe(true);
    results.slice(0, 40).forEach((r) => expectSchema('ResetResponse', r.body));
    expect(results[40]).toMatchObject({ status: 400, body: { reason: 'BAD_REQUEST' } });
    const sessions = results.slice(0, 40).map((r) => r.body['session'] as string);
    for (const action of FULL_SCRIPT) {
      const steps = await api.post('/v1/batch/step', { requests: sessions.map((session) => ({ session, action })) });
      for (const item of steps.json['results'] as Array<{ status: number; body: Record<string, unknown> }>) {
        expect(item.status).toBe(200);
        expectSchema('StepResponse', item.body);
      }
    }
    expect(server?.sessionCount).toBe(0);
    expect((await api.post('/v1/batch/step', { requests: 'x' })).status).toBe(400);
  });

  it('needs the bearer token when one is set, except for health', async () => {
    const api = await start({ token: 's3cret' }, 's3cret');
    const anonymous = client(api.base);
    const refused = await anonymous.post('/v1/reset', { task: MATH });
    expect(refused.status).toBe(401);
    expectSchema('ErrorResponse', refused.json);
    expect((await client(api.base, 's3cret-not').post('/v1/reset', { task: MATH })).status).toBe(401);
    expect((await api.post('/v1/reset', { task: MATH })).status).toBe(200);
    const health = await fetch(`${api.base}/v1/health`);
    expect(health.status).toBe(200);
    expectSchema('HealthResponse', await health.json());
    expect((await fetch(`${api.base}/v1/schema`)).status).toBe(401);
    const schema = await fetch(`${api.base}/v1/schema`, { headers: { authorization: 'Bearer s3cret' } });
    expect(((await schema.json()) as { title: string }).title).toContain('flowsteer.env/1');
  });

  it('refuses another protocol version and malformed bodies with typed reasons', async () => {
    const api = await start();
    expect((await api.post('/v1/reset', { protocol: 'flowsteer.env/2', task: MATH })).json['reason']).toBe('PROTOCOL_MISMATCH');
    expect((await api.post('/v1/reset', '{oops')).json['reason']).toBe('BAD_REQUEST');
    expect((await api.post('/v1/reset', { task: { problem: 'p', type: 'math' } })).json['error']).toContain('answer is required');
    expect((await api.post('/v1/reset', { task: MATH, seed: -1 })).status).toBe(400);
    expect((await api.post('/v1/step', { session: 'nope', action: 'x' })).status).toBe(404);
    expect((await api.post('/v1/nowhere', {})).status).toBe(404);
    const row = await api.post('/v1/reset', { task: { question: 'What is 1+1?', ground_truth: 2, problem_type: 'math' } });
    expect(row.status).toBe(200);
  });

  it('shuts down gracefully: the step in flight completes, new requests are refused', async () => {
    const gate = new GatedExecutor();
    const api = await start({ executor: () => gate });
    const { json } = await api.post('/v1/reset', { task: MATH });
    const session = json['session'] as string;
    await api.post('/v1/step', { session, action: '<action>add</action><operator>Plan</operator>' });
    const started = gate.waitForStart();
    const inFlight = api.post('/v1/step', { session, action: 'Plan it.' });
    await started;
    const closing = server!.close(60_000);
    const late = await api.post('/v1/reset', { task: MATH }).catch((error: unknown) => ({ status: 0, json: { error: String(error) } }));
    expect([0, 503]).toContain(late.status);
    gate.release();
    expect((await inFlight).status).toBe(200);
    await closing;
    server = undefined;
  });
});
