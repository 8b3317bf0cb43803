// Splits many changes into changesets small enough for one request each: the publisher's pushes and import's uploads.

/** Limits of one changeset request. */
export interface BatchLimits {
  maxItems: number;
  /** Bytes of content per request; an item larger than this travels alone. */
  maxBytes: number;
}

/** What import sends per request: about 500 items or 8 MB of content, whichever comes first. */
export const IMPORT_BATCH_LIMITS: BatchLimits = { maxItems: 500, maxBytes: 8 * 1024 * 1024 };

/** Groups items in order so no group exceeds the limits (a single oversized item forms its own group). */
export function splitIntoBatches<Item>(items: readonly Item[], sizeOf: (item: Item) => number, limits: BatchLimits): Item[][] {
  const batches: Item[][] = [];
  let current: Item[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= limits.maxItems || bytes + size > limits.maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
