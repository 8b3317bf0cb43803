// Exponential backoff with jitter for retrying the hub, so many agents coming back at once do not stampede it.

/** Limits of a backoff schedule. */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

/** Delay before retry number `attempt` (0-based): base·2^attempt capped, then jittered into [half, full] of that. */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
