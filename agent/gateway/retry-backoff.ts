// How long a failed sync waits before the next attempt: deployment_retry_duration, doubling, capped at one hour.

/** The longest wait between two sync attempts. */
export const MAX_RETRY_DELAY_MS = 3_600_000;

/** Delay before the next attempt after `failures` consecutive failures (1 → base, 2 → 2×base, …, capped at 1 h). */
export function retryDelayMs(baseMs: number, failures: number, capMs: number = MAX_RETRY_DELAY_MS): number {
  if (failures <= 0) return 0;
  const exponent = Math.min(failures - 1, 40);
  return Math.min(baseMs * 2 ** exponent, capMs);
}
