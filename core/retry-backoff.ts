// Exponential backoff for every retry: the publisher's pushes and startup sync (jittered, so many agents coming back
// at once do not stampede the hub) and the gateway's sync attempts (deployment_retry_duration doubling, capped at 1 h).

/** Limits of a backoff schedule. */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

/** The longest wait between two gateway sync attempts. */
export const MAX_RETRY_DELAY_MS = 3_600_000;

/** Delay before retry number `attempt` (0-based): base·2^attempt capped, then jittered into [half, full] of that. */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Delay before the next attempt after `failures` consecutive failures, without jitter (1 → base, 2 → 2×base, …, capped). */
export function retryDelayMs(baseMs: number, failures: number, capMs: number = MAX_RETRY_DELAY_MS): number {
  if (failures <= 0) return 0;
  return backoffDelayMs(failures - 1, { baseMs, capMs }, () => 1);
}
