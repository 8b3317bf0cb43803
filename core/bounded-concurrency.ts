// Runs async work over a list with at most `limit` calls in flight: writes of a batch, reads of changed files, downloads.

/**
 * Calls `work` for every item, at most `limit` at a time. After a failure no new call starts; it waits for the calls
 * in flight (so nothing runs on after the caller has cleaned up) and then throws the first failure.
 */
export async function forEachBounded<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length && !failed) {
      const index = next;
      next += 1;
      try {
        await work(items[index] as T, index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  });
  const results = await Promise.allSettled(workers);
  const rejected = results.find((result) => result.status === 'rejected');
  if (rejected !== undefined) throw rejected.reason;
}

/** `fn` of every item, in the items' order, computed at most `limit` at a time (failures as in forEachBounded). */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  await forEachBounded(items, limit, async (item, index) => {
    results[index] = await fn(item);
  });
  return results;
}
