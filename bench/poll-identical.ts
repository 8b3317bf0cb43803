// Polls destination files until each holds exactly the expected bytes: how every latency scenario sees "arrived".
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const POLL_INTERVAL_MS = 0.5;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks until every file in `paths` equals `expected` and returns performance.now() at that moment, or throws after
 * `timeoutMs`. Synchronous on purpose: Atomics.wait sleeps for sub-millisecond intervals without burning a core that
 * the measured processes need, which setTimeout (1 ms minimum) cannot.
 */
export function waitUntilIdentical(paths: readonly string[], expected: Buffer, timeoutMs: number): number {
  const deadline = performance.now() + timeoutMs;
  const pending = new Set(paths);
  for (;;) {
    for (const path of pending) if (holds(path, expected)) pending.delete(path);
    const now = performance.now();
    if (pending.size === 0) return now;
    if (now > deadline) throw new Error(`not identical after ${timeoutMs} ms: ${[...pending].join(', ')}`);
    Atomics.wait(sleeper, 0, 0, POLL_INTERVAL_MS);
  }
}

function holds(path: string, expected: Buffer): boolean {
  try {
    return readFileSync(path).equals(expected);
  } catch {
    return false;
  }
}
