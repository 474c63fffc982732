import { createHmac, timingSafeEqual } from 'node:crypto';

/** The runner's one signed line: the run's status and, for a test suite, the verdict. */
export interface Report {
  readonly status: string;
  readonly errorType: string;
  readonly suite?: { readonly passed: boolean; readonly total: number; readonly failed: number; readonly errorType: string; readonly error: string };
}

const HEX = /^[0-9a-f]*$/;

/**
 * Verifies the report descriptor's contents: exactly one line, `mac fields…`, whose HMAC under
 * this run's key matches. Anything else — no line, two lines, bytes before or after, a bad MAC —
 * means the program wrote to the descriptor, and is never read as a result.
 */
export function readReport(data: Buffer, key: Buffer): Report | { readonly missing: 'none' | 'forged' } {
  if (data.length === 0) return { missing: 'none' };
  const text = data.toString('latin1');
  const end = text.indexOf('\n');
  if (end !== text.length - 1) return { missing: 'forged' };
  const [mac = '', ...rest] = text.slice(0, end).split(' ');
  const body = rest.join(' ');
  const expected = createHmac('sha256', key).update(body, 'ascii').digest();
  if (!HEX.test(mac) || mac.length !== expected.length * 2 || !timingSafeEqual(Buffer.from(mac, 'hex'), expected)) return { missing: 'forged' };
  const fields = rest.map((field) => (HEX.test(field) ? Buffer.from(field, 'hex').toString('utf8') : ''));
  const [status = '', errorType = '', kind, passed, total, failed, suiteErrorType = '', suiteError = ''] = fields;
  if (kind !== 'suite') return { status, errorType };
  return { status, errorType, suite: { passed: passed === 'true', total: Number(total), failed: Number(failed), errorType: suiteErrorType, error: suiteError } };
}
