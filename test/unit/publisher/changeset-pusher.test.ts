// splitChanges and backoffDelayMs: batches cut by items and bytes; delays grow, are jittered and capped.
import { describe, expect, it } from 'vitest';
import { splitChanges, type PreparedChange } from '../../../agent/publisher/changeset-pusher.js';
import { backoffDelayMs } from '../../../agent/publisher/retry-backoff.js';

const put = (i: number, size: number): PreparedChange => ({ path: `executionplans/p${i}.siddhiql`, op: 'put', bytes: Buffer.alloc(size), sha256: 'x' });

describe('splitChanges', () => {
  it('cuts by item count', () => {
    const groups = splitChanges(Array.from({ length: 7 }, (_, i) => put(i, 1)), { maxItems: 3, maxBytes: 1000 });
    expect(groups.map((group) => group.length)).toEqual([3, 3, 1]);
  });

  it('cuts by bytes and sends an oversized change alone', () => {
    const groups = splitChanges([put(0, 40), put(1, 40), put(2, 200), put(3, 10)], { maxItems: 100, maxBytes: 100 });
    expect(groups.map((group) => group.map((change) => change.path))).toEqual([
      ['executionplans/p0.siddhiql', 'executionplans/p1.siddhiql'],
      ['executionplans/p2.siddhiql'],
      ['executionplans/p3.siddhiql'],
    ]);
  });
});

describe('backoffDelayMs', () => {
  it('doubles, stays within [half, full] of the step, and is capped', () => {
    const options = { baseMs: 100, capMs: 1000 };
    expect(backoffDelayMs(0, options, () => 0)).toBe(50);
    expect(backoffDelayMs(0, options, () => 1)).toBe(100);
    expect(backoffDelayMs(2, options, () => 1)).toBe(400);
    expect(backoffDelayMs(50, options, () => 1)).toBe(1000);
  });
});
