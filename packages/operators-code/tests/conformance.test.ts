import { describeOperatorConformance } from '@flowsteer/plugin-testkit';
import { expect } from 'vitest';
import { SystemPythonSandbox } from '../src/index.js';

const fence = (code: string): string => `\`\`\`python\n${code}\n\`\`\``;
const addTask = { problem: 'def add(a, b):\n    """Return a + b."""', problemType: 'code', entryPoint: 'add', tests: 'assert add(1, 2) == 3' } as const;

describeOperatorConformance('@flowsteer/operators-code', {
  packageDir: new URL('..', import.meta.url),
  sandbox: async () => new SystemPythonSandbox({ pool: 1 }),
  timeoutMs: 120_000,
  cases: {
    Programmer: { input: { problem: 'What is 6*7?', problemType: 'math' }, replies: [fence('def solve():\n    return 6 * 7')], check: (out) => expect(out).toMatchObject({ response: '42' }) },
    // Failing code makes Test ask the LLM for a repair, so the backend checks see a real call.
    Test: { input: { ...addTask, code: 'def add(a, b):\n    return a - b' }, replies: [fence('def add(a, b):\n    return a + b')], check: (out) => expect(out).toMatchObject({ verdict: { passed: true } }) },
    CustomCodeGenerate: { input: addTask, replies: [fence('def add(a, b):\n    return a + b')], check: (out) => expect(out).toMatchObject({ code: 'def add(a, b):\n    return a + b' }) },
  },
});
