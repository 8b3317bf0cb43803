// Stream ids compare numerically by milliseconds, then sequence.
import { describe, expect, it } from 'vitest';
import { compareStreamIds, maxStreamId } from '../../agent/gateway/stream-id.js';

describe('compareStreamIds', () => {
  it('orders by number, not by string', () => {
    expect(compareStreamIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareStreamIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareStreamIds('10-10', '10-10')).toBe(0);
    expect(compareStreamIds('11-0', '10-99')).toBeGreaterThan(0);
  });

  it('picks the later id', () => {
    expect(maxStreamId('0-0', '5-1')).toBe('5-1');
    expect(maxStreamId('1700000000000-3', '1700000000000-2')).toBe('1700000000000-3');
  });
});
