import { describe, expect, it } from 'vitest';
import { extractCode, inferEntryPoint } from '../src/index.js';

describe('reading answers and tests', () => {
  it('infers entry points like the reference', () => {
    expect(inferEntryPoint('def check(candidate):\n    assert candidate(1)')).toBe('candidate');
    expect(inferEntryPoint('assert add(1,2)==3')).toBe('add');
    expect(inferEntryPoint('assert len(x)==1\nassert foo(2)==3')).toBe('foo');
    expect(inferEntryPoint('result = task_func(1)')).toBe('task_func');
    expect(inferEntryPoint('self.assertEqual(bar(1), 2)')).toBe('bar');
    expect(inferEntryPoint('x = 1')).toBeUndefined();
  });

  it('extracts code from fenced, unfenced and chatty answers', () => {
    expect(extractCode('Here:\n```python\ndef f():\n    return 1\n```\nDone.')).toBe('def f():\n    return 1');
    expect(extractCode('```\nx = 1\n```')).toBe('x = 1');
    expect(extractCode('Sure.\nimport math\ndef f():\n    return math.pi\nExplanation: uses pi')).toBe('import math\ndef f():\n    return math.pi');
    expect(extractCode('print(1)')).toBe('print(1)');
  });
});
