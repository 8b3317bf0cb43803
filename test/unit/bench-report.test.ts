// The bench's statistics and its comparison rows: nearest-rank percentiles, ratios and target verdicts.
import { describe, expect, it } from 'vitest';
import { measure } from '../../bench/measurement.js';
import { buildRows, formatReport } from '../../bench/report.js';
import { percentile, summarize } from '../../bench/stats.js';
import type { Target } from '../../bench/targets.js';

describe('summarize', () => {
  it('uses nearest-rank percentiles and the middle of an even set as median', () => {
    const samples = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(summarize(samples)).toEqual({ count: 20, median: 10.5, p95: 19, p99: 20, min: 1, max: 20 });
    expect(percentile([5], 99)).toBe(5);
    expect(Number.isNaN(summarize([]).median)).toBe(true);
  });
});

describe('buildRows', () => {
  const target: Target = {
    scenario: 'edit', metric: 'p50 ms', subject: 'a', stat: 'median', baseline: { id: 'peer', stat: 'median' }, maxRatio: 1, text: '≤ 1×',
  };

  it('computes the ratio to the peer and whether the target is met', () => {
    const rows = buildRows([measure('a', 'artisync', 'x', 'ms', [4, 6]), measure('peer', 'lsyncd', 'y', 'ms', [10])], [target]);
    expect(rows[0]).toMatchObject({ artisync: 5, peer: 10, ratio: 0.5, met: true, peerName: 'lsyncd' });
    expect(rows[1]).toMatchObject({ scenario: 'peer', peer: 10, artisync: undefined });
  });

  it('marks a target whose subject was not measured as not run, and a miss as NO', () => {
    const missing = buildRows([measure('peer', 'lsyncd', 'y', 'ms', [10])], [target]);
    expect(missing[0]?.met).toBeUndefined();
    expect(formatReport(missing, [])).toContain('not run');
    const slow = buildRows([measure('a', 'artisync', 'x', 'ms', [30]), measure('peer', 'lsyncd', 'y', 'ms', [10])], [target]);
    expect(slow[0]?.met).toBe(false);
    expect(formatReport(slow, [])).toContain('NO');
  });
});
