// The retry delays: the gateway's sync retries (deployment_retry_duration doubling per failure, capped at one hour).
import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_MS, retryDelayMs } from '../../core/retry-backoff.js';

describe('retryDelayMs', () => {
  it('doubles from the base: 15 s, 30 s, 60 s …', () => {
    expect([1, 2, 3, 4].map((failures) => retryDelayMs(15_000, failures))).toEqual([15_000, 30_000, 60_000, 120_000]);
  });

  it('caps at one hour however many failures', () => {
    expect(retryDelayMs(15_000, 9)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(15_000, 1_000)).toBe(3_600_000);
  });

  it('works with a shortened base, as tests use', () => {
    expect([1, 2, 3, 4, 5].map((failures) => retryDelayMs(10, failures, 50))).toEqual([10, 20, 40, 50, 50]);
  });

  it('waits nothing before the first failure', () => {
    expect(retryDelayMs(15_000, 0)).toBe(0);
  });
});
