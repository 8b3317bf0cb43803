// Spreads periodic and reconnect work of many nodes over time, so 1,000 gateways do not hit Redis in the same instant.

/** `ms` moved by up to ±`fraction` of itself; `random` returns [0, 1) (Math.random in production, fixed in tests). */
export function jittered(ms: number, fraction: number, random: () => number): number {
  return Math.max(0, Math.round(ms * (1 + fraction * (2 * random() - 1))));
}

/** ioredis' reconnect delay (50 ms more per attempt, at most 2 s), jittered by ±50% so a Redis restart is not stampeded. */
export function reconnectDelayMs(attempt: number, random: () => number): number {
  return jittered(Math.min(attempt * 50, 2_000), 0.5, random);
}
