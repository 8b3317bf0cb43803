// ChangeBatcher: quiet window, full batches, last state wins, and generations that protect re-dirtied paths.
import { describe, expect, it } from 'vitest';
import { ChangeBatcher, type BatcherTimers } from '../../../agent/publisher/change-batcher.js';

function manualClock(): { timers: BatcherTimers; now: () => number; advance(ms: number): void } {
  let time = 0;
  let pending: Array<{ at: number; fn: () => void; id: number }> = [];
  let nextId = 0;
  return {
    now: () => time,
    timers: {
      setTimeout: (fn, ms) => {
        const id = ++nextId;
        pending.push({ at: time + ms, fn, id });
        return id;
      },
      clearTimeout: (handle) => {
        pending = pending.filter((timer) => timer.id !== handle);
      },
    },
    advance(ms) {
      time += ms;
      const due = pending.filter((timer) => timer.at <= time);
      pending = pending.filter((timer) => timer.at > time);
      for (const timer of due) timer.fn();
    },
  };
}

function makeBatcher(overrides: { maxItems?: number; maxDelayMs?: number; burst?: { quietMs: number; items: number; windowMs: number } } = {}) {
  const clock = manualClock();
  let flushes = 0;
  const batcher = new ChangeBatcher({
    quietMs: 5,
    maxItems: overrides.maxItems ?? 100,
    maxDelayMs: overrides.maxDelayMs ?? 1000,
    timers: clock.timers,
    now: clock.now,
    onFlush: () => (flushes += 1),
    ...(overrides.burst === undefined ? {} : { burst: overrides.burst }),
  });
  return { batcher, clock, flushes: () => flushes };
}

describe('ChangeBatcher', () => {
  it('flushes once after the quiet window, however many changes came within it', () => {
    const { batcher, clock, flushes } = makeBatcher();
    batcher.mark(['a']);
    clock.advance(3);
    batcher.mark(['b']);
    clock.advance(3);
    batcher.mark(['c', 'a']);
    clock.advance(4);
    expect(flushes()).toBe(0);
    clock.advance(1);
    expect(flushes()).toBe(1);
    expect(batcher.take(10).map((taken) => taken.path)).toEqual(['a', 'b', 'c']);
  });

  it('flushes at once when the batch is full', () => {
    const { batcher, clock, flushes } = makeBatcher({ maxItems: 3 });
    batcher.mark(['a', 'b', 'c']);
    clock.advance(0);
    expect(flushes()).toBe(1);
  });

  it('does not wait past maxDelayMs while changes keep arriving', () => {
    const { batcher, clock, flushes } = makeBatcher({ maxDelayMs: 20 });
    for (let i = 0; i < 10; i += 1) {
      batcher.mark([`p${i}`]);
      clock.advance(4);
    }
    expect(flushes()).toBeGreaterThanOrEqual(1);
  });

  it('waits for the longer burst window once many changes came close together', () => {
    const { batcher, clock, flushes } = makeBatcher({ burst: { quietMs: 50, items: 4, windowMs: 100 } });
    for (let i = 0; i < 4; i += 1) {
      batcher.mark([`p${i}`]);
      clock.advance(2);
    }
    clock.advance(10);
    expect(flushes()).toBe(0);
    clock.advance(40);
    expect(flushes()).toBe(1);
    expect(batcher.take(10)).toHaveLength(4);
  });

  it('counts only newly dirty paths towards a burst, since one save raises several events', () => {
    const { batcher, clock, flushes } = makeBatcher({ burst: { quietMs: 50, items: 4, windowMs: 100 } });
    for (let i = 0; i < 6; i += 1) batcher.mark(['same']);
    clock.advance(5);
    expect(flushes()).toBe(1);
  });

  it('keeps a path that changed again after it was taken', () => {
    const { batcher } = makeBatcher();
    batcher.mark(['a', 'b']);
    const taken = batcher.take(10);
    batcher.mark(['a']);
    for (const item of taken) batcher.settle(item);
    expect(batcher.paths()).toEqual(['a']);
  });

  it('takes at most maxItems and leaves the rest dirty', () => {
    const { batcher } = makeBatcher();
    batcher.mark(['a', 'b', 'c']);
    const taken = batcher.take(2);
    for (const item of taken) batcher.settle(item);
    expect(batcher.paths()).toEqual(['c']);
    expect(batcher.size).toBe(1);
  });
});
