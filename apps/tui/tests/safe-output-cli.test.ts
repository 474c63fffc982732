import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeOpenAiServer } from '@flowsteer/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { flowsteer, repoRoot } from './helpers.js';

const ESC = '\u001b';
const BEL = '\u0007';
/** Title, colour, clear screen, hidden link, clipboard write, 8-bit CSI, bidi override. */
const HOSTILE = `${ESC}]0;PWNED${BEL}${ESC}[31m${ESC}[2J${ESC}]8;;https://evil.example${ESC}\\link${ESC}]8;;${ESC}\\${ESC}]52;c;cGF5bG9hZA==${BEL}\u009b1m\u202e`;
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

let server: FakeOpenAiServer | undefined;
let blocker: Server | undefined;
let dir = '';
afterEach(async () => {
  await server?.close();
  server = undefined;
  await new Promise((resolve) => (blocker === undefined ? resolve(undefined) : blocker.close(resolve)));
  blocker = undefined;
  if (dir !== '') await rm(dir, { recursive: true, force: true });
  dir = '';
});

describe('text output is safe for a terminal', () => {
  it('flowsteer run prints a hostile answer, node output and error without a single escape sequence', async () => {
    server = await FakeOpenAiServer.start(() => ({ content: `The answer ${HOSTILE} is 42` }));
    const text = await flowsteer(['run', '--task', 'What is 6*7?', '--type', 'math', '--workflow', 'Custom', '--base-url', server.baseUrl, '--model', 'm']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('answer: The answer link\\u009b1m is 42');
    expect(text.stdout).not.toMatch(RAW_CONTROL);
    expect(text.stderr).not.toMatch(RAW_CONTROL);
    // --json keeps the exact text, escaped so that printing it is still harmless.
    const json = await flowsteer(['run', '--task', 'What is 6*7?', '--type', 'math', '--workflow', 'Custom', '--base-url', server.baseUrl, '--model', 'm', '--json']);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect((JSON.parse(json.stdout) as { answer: string }).answer).toBe(`The answer ${HOSTILE} is 42`);
  });

  it('sessions list shows a hostile task cleaned, and a damaged file as damaged, not fatal', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowsteer-safe-'));
    await mkdir(join(dir, '.flowsteer', 'sessions'), { recursive: true });
    const snapshot = { format: 'flowsteer.session', version: 1, id: 'hostile1', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', task: { problem: `solve ${HOSTILE}`, type: 'math' }, runtime: 'x', canvas: { format: 'flowsteer.canvas', version: 1, state: { graph: { nodes: [] }, finished: false } }, turns: [], tokens: 0 };
    await writeFile(join(dir, 'package.json'), '{"name":"p","private":true}');
    await writeFile(join(dir, '.flowsteer', 'sessions', 'hostile1.json'), JSON.stringify(snapshot));
    await writeFile(join(dir, '.flowsteer', 'sessions', 'torn.json'), '{"format": "flowsteer.sess');
    const list = await flowsteer(['sessions', 'list'], { cwd: dir });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('hostile1');
    expect(list.stdout).toContain('solve link');
    expect(list.stdout).toContain('torn  DAMAGED: not valid JSON');
    expect(list.stdout).not.toMatch(RAW_CONTROL);
    const exported = await flowsteer(['sessions', 'export', 'torn'], { cwd: dir });
    expect(exported.code).toBe(1);
    expect(exported.stderr).toContain('not valid JSON');
    const missing = await flowsteer(['sessions', 'export', 'nosuch'], { cwd: dir });
    expect(missing.code).toBe(2);
  });

  it('an error message carrying escape sequences is printed cleaned', async () => {
    const result = await flowsteer(['dsl', 'parse', `Custom -> ${HOSTILE}`]);
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).not.toMatch(RAW_CONTROL);
  });
});

describe('exit codes and human messages', () => {
  it('a busy port says so in words and exits 1', async () => {
    blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker!.listen(0, '127.0.0.1', () => resolve((blocker!.address() as { port: number }).port)));
    const result = await flowsteer(['serve-env', '--executor', 'sim', '--port', String(port)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(result.stderr).not.toContain('EADDRINUSE');
  });

  it('usage errors exit 2: an unknown option, a bad --set, a resume without a terminal', async () => {
    expect((await flowsteer(['--policy', 'onnx'])).code).toBe(2);
    expect((await flowsteer(['--set', 'novalue', 'config', 'show'])).code).toBe(2);
    expect((await flowsteer(['tui', '--resume', 'nosuch'])).code).toBe(2);
  });

  it('Ctrl-C (SIGINT) during flowsteer run with a hung executor exits 130 and says it was interrupted', async () => {
    server = await FakeOpenAiServer.start(() => ({ hang: true }));
    const bin = join(import.meta.dirname, '..', 'dist', 'main.js');
    const child = spawn(process.execPath, [bin, 'run', '--task', 'What is 6*7?', '--workflow', 'Custom', '--base-url', server.baseUrl, '--model', 'm'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    // Interrupt once the node has started (its request is then hanging on the server).
    for (let i = 0; i < 400 && !stderr.includes('▶ node_1 Custom'); i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(stderr).toContain('▶ node_1 Custom');
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(130);
    expect(stderr).toContain('interrupted');
  });
});
