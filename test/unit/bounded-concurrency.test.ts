// forEachBounded and mapBounded: never more than `limit` calls in flight, results in order, a failure stops new calls.
import { describe, expect, it } from 'vitest';
import { forEachBounded, mapBounded } from '../../core/bounded-concurrency.js';

/** A call that finishes after a few event-loop turns, tracking how many run at once. */
function tracked(): { run: (value: number) => Promise<number>; peak: () => number } {
  let running = 0;
  let peak = 0;
  return {
    run: async (value) => {
      running += 1;
      peak = Math.max(peak, running);
      for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
      return value * 2;
    },
    peak: () => peak,
  };
}

describe('bounded concurrency', () => {
  it('keeps at most `limit` calls in flight and returns results in the items order', async () => {
    const calls = tracked();
    const items = Array.from({ length: 20 }, (_, index) => index);
    expect(await mapBounded(items, 4, calls.run)).toEqual(items.map((value) => value * 2));
    expect(calls.peak()).toBe(4);
  });

  it('starts nothing after a failure, waits for the calls in flight, then throws the failure', async () => {
    const started: number[] = [];
    let inFlight = 0;
    const failing = forEachBounded([0, 1, 2, 3, 4, 5, 6, 7], 2, async (item) => {
      started.push(item);
      inFlight += 1;
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      if (item === 1) throw new Error('write 1 failed');
    });
    await expect(failing).rejects.toThrow('write 1 failed');
    expect(inFlight).toBe(0);
    expect(started.length).toBeLessThan(8);
  });

  it('does nothing for no items', async () => {
    expect(await mapBounded([], 4, (value: number) => Promise.resolve(value))).toEqual([]);
  });
});
