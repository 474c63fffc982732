import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageLedger } from '@flowsteer/core';
import { TemplatePolicy, type CanvasExecutionRequest, type CanvasExecutionResult, type CanvasExecutor } from '@flowsteer/canvas';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DurableLog, markdownReport, passAtK, readLog, readRun, RunDirectoryError, runEvaluation, summarize, wilsonInterval, writeFully, type EvalRunOptions } from '../src/index.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eval-run-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * An executor that answers from a table and records usage into a ledger the way the workflow
 * executor does, after an uneven delay so episodes interleave.
 */
class TableExecutor implements CanvasExecutor {
  readonly ledger = new UsageLedger();
  calls = 0;
  constructor(private readonly answers: ReadonlyArray<[string, string, number]>) {}

  async execute(request: CanvasExecutionRequest): Promise<CanvasExecutionResult> {
    this.calls++;
    const row = this.answers.find(([key]) => request.task.problem.includes(key));
    const tokens = row?.[2] ?? 1;
    // Record in two halves around an await, as a multi-step workflow would.
    await new Promise((resolve) => setTimeout(resolve, (tokens % 7) * 3));
    this.ledger.record({ nodeId: 'n1', operator: 'Custom', turn: request.turn, usage: { promptTokens: tokens, completionTokens: 0, totalTokens: tokens }, latencyMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, (tokens % 5) * 2));
    this.ledger.record({ nodeId: 'n1', operator: 'Custom', turn: request.turn, usage: { promptTokens: 0, completionTokens: tokens, totalTokens: tokens }, latencyMs: 1 });
    return { success: true, output: { output: row?.[1] ?? 'unknown' } };
  }
}

async function datasets(): Promise<string[]> {
  const gsm = join(dir, 'gsm8k.jsonl');
  const nq = join(dir, 'nq-open.jsonl');
  await writeFile(gsm, Array.from({ length: 6 }, (_, i) => JSON.stringify({ question: `What is ${i} plus ${i}?`, answer: `${i} + ${i} = ${2 * i}\n#### ${2 * i}` })).join('\n'));
  await writeFile(nq, [JSON.stringify({ question: 'who wrote hamlet', answer: ['William Shakespeare'] }), JSON.stringify({ question: 'capital of france', answer: ['Paris'] })].join('\n'));
  return [gsm, nq];
}

const ANSWERS: Array<[string, string, number]> = [
  ...Array.from({ length: 6 }, (_, i) => [`What is ${i} plus`, i === 5 ? '11' : `The answer is ${2 * i}.`, 10 * (i + 1)] as [string, string, number]),
  ['who wrote hamlet', 'Shakespeare', 70],
  ['capital of france', 'Paris', 80],
];

function options(files: string[], executor: TableExecutor, out: string, extra: Partial<EvalRunOptions> = {}): EvalRunOptions {
  return { dataFiles: files, out, policy: () => new TemplatePolicy('one', 'Custom'), policyLabel: 'template:one', executor, executorLabel: 'table', canvas: { minOperators: 1, requireChecker: false, requireStructure: false }, usageLedger: executor.ledger, sandboxLabel: 'none', ...extra };
}

describe('runEvaluation', () => {
  it('counts each episode\'s own tokens at concurrency 4, and scores with reasons and transcripts', async () => {
    const files = await datasets();
    const executor = new TableExecutor(ANSWERS);
    const out = join(dir, 'run');
    const { records } = await runEvaluation(options(files, executor, out, { concurrency: 4 }));
    expect(records).toHaveLength(8);
    const callsPerEpisode = executor.calls / 8;
    expect(Number.isInteger(callsPerEpisode)).toBe(true);
    const base = (id: string): number => (id === 'nq/1' ? 70 : id === 'nq/2' ? 80 : 10 * Number(id.split('/')[1]));
    for (const r of records) {
      // Two ledger entries of `base` tokens per executor call.
      expect(r.tokens, r.id).toBe(2 * base(r.id) * callsPerEpisode);
      expect(r.reason.length).toBeGreaterThan(0);
      expect(r.transcript.length).toBe(r.rounds);
      expect(r.mode).toBe('strict');
    }
    // The ledger's grand total equals the sum over episodes: nothing counted twice.
    expect(records.reduce((a, r) => a + r.tokens, 0)).toBe(executor.ledger.total().totalTokens);
    const nq = records.filter((r) => r.source === 'nq');
    expect(nq.map((r) => [r.metric, r.em, r.correct])).toEqual([['em', 0, false], ['em', 1, true]]);
    expect(records.find((r) => r.id === 'gsm8k/6')).toMatchObject({ correct: false, extracted: '11' });
  });

  it('limits each dataset, not the total', async () => {
    const files = await datasets();
    const { records, manifest } = await runEvaluation(options(files, new TableExecutor(ANSWERS), join(dir, 'run'), { limit: 1 }));
    expect(records.map((r) => r.source).sort()).toEqual(['gsm8k', 'nq']);
    expect(manifest.limit).toBe(1);
  });

  it('refuses a rerun whose settings differ, naming each setting', async () => {
    const files = await datasets();
    const out = join(dir, 'run');
    await runEvaluation(options(files, new TableExecutor(ANSWERS), out, { generation: { temperature: 0 } }));
    const again = runEvaluation(options(files, new TableExecutor(ANSWERS), out, { scoring: { mode: 'official' }, generation: { temperature: 0.7 }, sandboxLabel: 'system-python' }));
    await expect(again).rejects.toBeInstanceOf(RunDirectoryError);
    await expect(runEvaluation(options(files, new TableExecutor(ANSWERS), out, { scoring: { mode: 'official' }, generation: { temperature: 0.7 }, sandboxLabel: 'system-python' }))).rejects.toThrow(/metricMode \("strict" → "official"\); sandbox \("none" → "system-python"\); generation \(\{"temperature":0\} → \{"temperature":0.7\}\)/);
    await writeFile(files[0] as string, `${await readFile(files[0] as string, 'utf8')}\n${JSON.stringify({ question: 'new?', answer: '#### 1' })}`);
    await expect(runEvaluation(options(files, new TableExecutor(ANSWERS), out, { generation: { temperature: 0 } }))).rejects.toThrow(/dataHash .*problemIds/);
  });

  it('cuts off a torn last record and scores that problem again, nothing twice', async () => {
    const files = await datasets();
    const out = join(dir, 'run');
    const first = new TableExecutor(ANSWERS);
    await runEvaluation(options(files, first, out, { limit: 2 }));
    const log = join(out, 'results.jsonl');
    const lines = (await readFile(log, 'utf8')).trimEnd().split('\n');
    // A kill mid-write: the last record is half on disk.
    await writeFile(log, `${lines.slice(0, -1).join('\n')}\n${(lines[lines.length - 1] as string).slice(0, 40)}`);
    const second = new TableExecutor(ANSWERS);
    const resumed = await runEvaluation(options(files, second, out, { limit: 2 }));
    expect(resumed.tornBytes).toBe(40);
    expect(resumed.resumed).toBe(3);
    expect(resumed.records).toHaveLength(4);
    const stored = await readLog<{ id: string }>(log);
    expect(stored.tornBytes).toBe(0);
    expect(new Set(stored.records.map((r) => r.id)).size).toBe(4);
    expect(stored.records).toHaveLength(4);
    await appendFile(log, '{"broken json\n{"id": "x"}\n');
    await expect(readRun(out)).rejects.toThrow(/results\.jsonl:5 is not valid JSON; the run log is damaged in the middle/);
  });

  it('locks the run directory against a second writer; a lock left by a dead process is taken over', async () => {
    const files = await datasets();
    const out = join(dir, 'run');
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    await once(sleeper, 'spawn');
    const { hostname } = await import('node:os');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, '.lock'), JSON.stringify({ pid: sleeper.pid, host: hostname(), since: 'now' }));
    await expect(runEvaluation(options(files, new TableExecutor(ANSWERS), out))).rejects.toThrow(new RegExp(`in use by process ${sleeper.pid}`));
    sleeper.kill('SIGKILL');
    await once(sleeper, 'exit');
    const { records } = await runEvaluation(options(files, new TableExecutor(ANSWERS), out));
    expect(records).toHaveLength(8);
    await expect(readFile(join(out, '.lock'))).rejects.toThrow();
  });

  it('runs several samples per problem and reports pass@k and 95% intervals', async () => {
    const files = await datasets();
    const out = join(dir, 'run');
    const { records, manifest } = await runEvaluation(options(files, new TableExecutor(ANSWERS), out, { samples: 3 }));
    expect(records).toHaveLength(24);
    const rows = summarize(records);
    const gsm = rows.find((r) => r.source === 'gsm8k');
    expect(gsm).toMatchObject({ n: 6, samples: 3, accuracy: 5 / 6 });
    expect(gsm?.passAtK['3']).toBeCloseTo(5 / 6, 10);
    expect(gsm?.accuracyCi.low).toBeCloseTo(wilsonInterval(5, 6).low, 10);
    const report = markdownReport(records, manifest);
    expect(report).toContain('| GSM8K | math | 6 | 83.3 | [43.6, 97.0] | 83.3 | [43.6, 97.0] | – | – | 83.3 | 83.3 | 83.3 |');
    expect(report).toContain('metric mode: strict');
  });
});

describe('statistics', () => {
  it('pass@k is the unbiased estimator', () => {
    expect(passAtK(5, 2, 1)).toBeCloseTo(0.4, 12);
    expect(passAtK(5, 2, 2)).toBeCloseTo(1 - 3 / 10, 12);
    expect(passAtK(5, 0, 3)).toBe(0);
    expect(passAtK(5, 4, 2)).toBe(1);
    expect(passAtK(200, 13, 10)).toBeCloseTo(1 - [...Array(10).keys()].reduce((p, i) => p * ((187 - i) / (200 - i)), 1), 12);
    expect(() => passAtK(2, 1, 3)).toThrow(/at least 3 samples/);
  });

  it('Wilson intervals', () => {
    const i = wilsonInterval(8, 10);
    expect([i.low, i.high].map((x) => Number(x.toFixed(4)))).toEqual([0.4902, 0.9433]);
    expect(wilsonInterval(0, 10).low).toBe(0);
    expect(wilsonInterval(10, 10).high).toBeCloseTo(1, 12);
  });
});

describe('durable log', () => {
  it('loops over short writes and rolls back a failed one', async () => {
    const path = join(dir, 'log.jsonl');
    let failNext = false;
    const { log } = await DurableLog.open(path, {
      wrap: (file) => ({
        // At most 5 bytes a write, as a nearly full disk or a pipe may do.
        write: async (buffer, offset, length, position) => {
          if (failNext && offset > 0) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
          return file.write(buffer, offset, Math.min(5, length), position);
        },
        sync: () => file.sync(),
        truncate: (length) => file.truncate(length),
        stat: () => file.stat(),
        close: () => file.close(),
      }),
    });
    await log.append({ id: 'a', text: 'a record longer than five bytes' });
    failNext = true;
    await expect(log.append({ id: 'b', text: 'this one hits a full disk' })).rejects.toThrow(/no space left/);
    failNext = false;
    await log.append({ id: 'c' });
    await log.close();
    expect(await readFile(path, 'utf8')).toBe('{"id":"a","text":"a record longer than five bytes"}\n{"id":"c"}\n');
  });

  it('writeFully refuses a write that makes no progress', async () => {
    await expect(writeFully({ write: async () => ({ bytesWritten: 0 }) }, Buffer.from('x'), 0)).rejects.toThrow(/no progress/);
  });
});
