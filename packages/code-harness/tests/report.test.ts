import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readReport } from '../src/index.js';

const key = randomBytes(32);
const hex = (field: string) => Buffer.from(field, 'utf8').toString('hex');
/** A report line as the sandbox's runner writes it: `mac field…`, every field hex, the MAC over the fields. */
function signed(fields: readonly string[], signingKey = key): Buffer {
  const body = fields.map(hex).join(' ');
  return Buffer.from(`${createHmac('sha256', signingKey).update(body, 'ascii').digest('hex')} ${body}\n`, 'latin1');
}

describe('the signed report', () => {
  it('reads a run report and a suite verdict signed with the run key', () => {
    expect(readReport(signed(['ok', '']), key)).toEqual({ status: 'ok', errorType: '' });
    expect(readReport(signed(['ok', '', 'suite', 'false', '3', '1', 'AssertionError', 'Expected 5, got 4']), key)).toEqual({
      status: 'ok',
      errorType: '',
      suite: { passed: false, total: 3, failed: 1, errorType: 'AssertionError', error: 'Expected 5, got 4' },
    });
  });

  it('says when there is no report', () => {
    expect(readReport(Buffer.alloc(0), key)).toEqual({ missing: 'none' });
  });

  it('treats anything but exactly one line with a valid MAC as forged', () => {
    const good = signed(['ok', '', 'suite', 'true', '1', '0', '', '']);
    expect(readReport(signed(['ok', ''], randomBytes(32)), key)).toEqual({ missing: 'forged' });
    expect(readReport(Buffer.concat([Buffer.from('x'), good]), key)).toEqual({ missing: 'forged' });
    expect(readReport(Buffer.concat([good, Buffer.from('x')]), key)).toEqual({ missing: 'forged' });
    expect(readReport(Buffer.concat([good, good]), key)).toEqual({ missing: 'forged' });
    expect(readReport(good.subarray(0, good.length - 1), key)).toEqual({ missing: 'forged' });
    // The verdict flipped after signing.
    const tampered = Buffer.from(good.toString('latin1').replace(` ${hex('true')} `, ` ${hex('fals')} `), 'latin1');
    expect(readReport(tampered, key)).toEqual({ missing: 'forged' });
    expect(readReport(Buffer.from(`${'0'.repeat(64)} ${hex('ok')}\n`), key)).toEqual({ missing: 'forged' });
    expect(readReport(Buffer.from(`zz ${hex('ok')}\n`), key)).toEqual({ missing: 'forged' });
  });
});
