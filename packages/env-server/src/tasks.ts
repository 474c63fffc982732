import { EnvRequestError } from './errors.js';
import type { EnvTask } from './protocol.js';

const TYPES = ['math', 'qa', 'code', 'mc', 'reasoning'] as const;

function text(record: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return undefined;
}

/**
 * Reads the task of a reset request. The dataset's names are accepted beside the protocol's
 * (`question`, `ground_truth`, `problem_type`, `test`, `entry_point`), so a FlowSteer-Dataset row
 * can be sent as it is.
 */
export function readTask(value: unknown, options: { readonly requireAnswer: boolean }): EnvTask {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EnvRequestError('BAD_REQUEST', 'body.task must be an object');
  const record = value as Record<string, unknown>;
  const problem = text(record, 'problem', 'question');
  if (problem === undefined || problem.trim() === '') throw new EnvRequestError('BAD_REQUEST', 'body.task.problem must be a non-empty string');
  const rawType = text(record, 'type', 'problem_type') ?? 'reasoning';
  const type = rawType === 'mathqa_mc' ? 'mc' : rawType;
  if (!(TYPES as readonly string[]).includes(type)) throw new EnvRequestError('BAD_REQUEST', `body.task.type must be one of ${TYPES.join(', ')}, got "${rawType}"`);
  const answer = text(record, 'answer', 'ground_truth');
  if (options.requireAnswer && answer === undefined && type !== 'code') throw new EnvRequestError('BAD_REQUEST', 'body.task.answer is required to score the episode (or start the server with scoring off)');
  const tests = text(record, 'tests', 'test');
  if (options.requireAnswer && type === 'code' && tests === undefined) throw new EnvRequestError('BAD_REQUEST', 'code tasks need body.task.tests to score the episode');
  const id = text(record, 'id');
  const source = text(record, 'source', 'dataset');
  const entryPoint = text(record, 'entryPoint', 'entry_point');
  const prompt = text(record, 'prompt');
  return {
    problem,
    type,
    ...(id === undefined ? {} : { id }),
    ...(source === undefined ? {} : { source }),
    ...(answer === undefined ? {} : { answer }),
    ...(tests === undefined ? {} : { tests }),
    ...(entryPoint === undefined ? {} : { entryPoint }),
    ...(prompt === undefined ? {} : { prompt }),
  };
}
