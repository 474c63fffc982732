import {
  SandboxError,
  StepInputSchema,
  StepOutputSchema,
  completeForNode,
  type Operator,
  type OperatorCategory,
  type OperatorContext,
  type Sandbox,
  type StepInput,
  type StepOutput,
} from '@flowsteer/core';
import { extractCode, inferEntryPoint, runTestSuite } from './harness.js';

type StepOperator = Operator<StepInput, StepOutput>;

export interface CodeOperatorOptions {
  /** Generate → run → repair rounds of Programmer. */
  readonly programmerAttempts?: number;
  /** Reflection rounds of Test after a failure. */
  readonly testRepairs?: number;
  /** Per-run sandbox timeout. */
  readonly runTimeoutMs?: number;
}

const VALUE_MARKER = '__FLOWSTEER_VALUE__';

function sandboxOf(ctx: OperatorContext, operator: string): Sandbox {
  if (ctx.sandbox === undefined) throw new SandboxError(`${operator} needs a Python sandbox; none is configured for this run`);
  return ctx.sandbox;
}

/** The function a code task asks for: the given entry point, else the first `def` in the problem. */
export function requiredFunction(input: StepInput): string {
  if (input.problemType !== 'code') return 'solve';
  return input.entryPoint ?? /def\s+([A-Za-z_]\w*)\s*\(/.exec(input.problem)?.[1] ?? (input.tests === undefined ? undefined : inferEntryPoint(input.tests)) ?? 'solve';
}

function signatureHint(input: StepInput): string {
  const signature = /def\s+[A-Za-z_]\w*\s*\([^)]*\)[^:]*:/.exec(input.problem)?.[0];
  return signature === undefined ? '' : `\n[REQUIRED SIGNATURE]\n${signature}\n`;
}

function programmerPrompt(input: StepInput, entry: string, failure?: { code: string; error: string }): string {
  const analysis = [input.plan, input.previous].filter((part) => part !== '').join('\n\n');
  const goal =
    input.problemType === 'code'
      ? `Write a complete Python implementation of \`${entry}\` that solves the task. Include every import. Do not read input or print.`
      : `Write a self-contained Python program that defines \`def solve():\` and returns the final answer (a number, string or tuple). Do not print; do not read input.`;
  const parts = [`Problem:\n${input.problem}`, signatureHint(input)];
  if (analysis !== '') parts.push(`Analysis so far:\n${analysis}`);
  if (input.instruction.trim() !== '') parts.push(`[Controller Guidance]\n${input.instruction.trim()}`);
  if (failure !== undefined) parts.push(`Your previous code failed.\nCode:\n\`\`\`python\n${failure.code}\n\`\`\`\nError:\n${failure.error}\nFix the code.`);
  parts.push(`${goal}\nAnswer with one \`\`\`python code block only.`);
  return parts.filter((p) => p !== '').join('\n\n');
}

function errorSummary(stderr: string, errorType: string | undefined): string {
  const lines = stderr.trim().split('\n');
  const tail = lines.slice(-6).join('\n');
  return tail !== '' ? tail.slice(-1500) : (errorType ?? 'unknown error');
}

function define(name: string, category: OperatorCategory, description: string, run: (input: StepInput, ctx: OperatorContext) => Promise<StepOutput>): StepOperator {
  return { name, category, description, inputSchema: StepInputSchema, outputSchema: StepOutputSchema, run };
}

export function createCodeOperators(options: CodeOperatorOptions = {}): StepOperator[] {
  const attempts = options.programmerAttempts ?? 3;
  const repairs = options.testRepairs ?? 2;
  const timeoutMs = options.runTimeoutMs ?? 10_000;

  const Programmer = define('Programmer', 'code', 'Writes Python and executes it; for math it defines solve(), for code tasks it matches the required signature.', async (input, ctx) => {
    const sandbox = sandboxOf(ctx, 'Programmer');
    const entry = requiredFunction(input);
    let failure: { code: string; error: string } | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const code = extractCode(await completeForNode(ctx, programmerPrompt(input, entry, failure)));
      if (code === '') {
        failure = { code: '', error: 'No code generated' };
        continue;
      }
      const probe =
        input.problemType === 'code'
          ? `${code}\n\nif ${JSON.stringify(entry)} not in globals():\n    raise NameError(${JSON.stringify(`function '${entry}' is not defined`)})\n`
          : `${code}\n\nif 'solve' not in globals():\n    raise NameError("Function 'solve' not found")\nprint(${JSON.stringify(VALUE_MARKER)} + str(solve()))\n`;
      const result = await sandbox.run({ code: probe, timeoutMs }, ctx.signal);
      if (result.status === 'ok') {
        const value = result.stdout.includes(VALUE_MARKER) ? (result.stdout.slice(result.stdout.lastIndexOf(VALUE_MARKER) + VALUE_MARKER.length).split('\n')[0] ?? '').trim() : '';
        return {
          response: input.problemType === 'code' ? code : value,
          code,
          fields: { output: input.problemType === 'code' ? 'CODE_GENERATED' : value, attempts: String(attempt) },
        };
      }
      failure = { code, error: result.status === 'timeout' ? `Code execution timed out after ${timeoutMs} ms` : errorSummary(result.stderr, result.errorType) };
    }
    const error = failure?.error ?? 'No code generated';
    return { response: `Execution error: ${error}`, code: failure?.code ?? '', fields: { output: `Execution error: ${error}`, attempts: String(attempts) } };
  });

  const CustomCodeGenerate = define('CustomCodeGenerate', 'code', 'Generates code for the required function signature without running it.', async (input, ctx) => {
    const entry = requiredFunction(input);
    const prompt = [input.instruction.trim(), `Problem:\n${input.problem}`, signatureHint(input), `Write Python code that includes a function named \`${entry}\`. Answer with one \`\`\`python code block only.`]
      .filter((p) => p !== '')
      .join('\n\n');
    const code = extractCode(await completeForNode(ctx, prompt));
    return { response: code, code };
  });

  const Test = define('Test', 'checker', 'Runs the provided unit tests against the current code and repairs it on failure (code tasks, after Programmer).', async (input, ctx) => {
    const sandbox = sandboxOf(ctx, 'Test');
    let code = input.code !== '' ? input.code : extractCode(input.solution !== '' ? input.solution : input.previous);
    const entry = input.entryPoint ?? (input.tests === undefined ? undefined : inferEntryPoint(input.tests));
    const check = async (candidate: string): Promise<{ passed: boolean; summary: string }> => {
      if (input.tests === undefined || input.tests.trim() === '') {
        const smoke = await sandbox.run({ code: candidate, timeoutMs }, ctx.signal);
        return smoke.status === 'ok' ? { passed: true, summary: 'TEST_PASSED' } : { passed: false, summary: `TEST_FAILED: ${smoke.errorType ?? smoke.status}: ${errorSummary(smoke.stderr, smoke.errorType)}` };
      }
      // The verdict comes from the sandbox's harness on its own channel, never from the program's output.
      const outcome = await runTestSuite(sandbox, { solution: candidate, tests: input.tests, entryPoint: entry, timeoutMs }, ctx.signal);
      return outcome.passed ? { passed: true, summary: 'TEST_PASSED' } : { passed: false, summary: `TEST_FAILED: ${outcome.errorType ?? 'AssertionError'}: ${outcome.error ?? 'a test failed'}` };
    };
    let result = await check(code);
    for (let round = 0; round < repairs && !result.passed && code !== ''; round++) {
      const prompt = [
        `Problem:\n${input.problem}`,
        `This code fails its tests:\n\`\`\`python\n${code}\n\`\`\``,
        `Failure:\n${result.summary}`,
        input.tests === undefined ? '' : `Tests:\n${input.tests.slice(0, 2000)}`,
        input.instruction.trim(),
        `Find the bug and write the corrected code${entry === undefined ? '' : `, keeping the function \`${entry}\``}. Answer with one \`\`\`python code block only.`,
      ]
        .filter((p) => p !== '')
        .join('\n\n');
      const fixed = extractCode(await completeForNode(ctx, prompt));
      if (fixed === '' || fixed === code) break;
      code = fixed;
      result = await check(code);
    }
    return { response: result.summary, code, verdict: { passed: result.passed, feedback: result.summary }, fields: { result: String(result.passed) } };
  });

  return [Programmer, Test, CustomCodeGenerate];
}

export const CODE_OPERATORS: readonly StepOperator[] = createCodeOperators();
