// Every Redis key artisync uses, built in one place; one hash tag keeps them in one Cluster slot for Lua scripts.

/** The hash tag shared by every key, so a changeset script may touch blobs, heads, history and stream together. */
export const KEY_TAG = '{artisync}';

const prefix = `${KEY_TAG}:`;

/** Key names for the artifact store and its streams. */
export const redisKeys = {
  /** String: a blob's encoded content (see core/blob-codec.ts), by sha256 of the raw bytes. */
  blob: (sha256: string): string => `${prefix}blob:${sha256}`,
  /** Hash: sha256 → number of history entries that reference the blob; a blob goes when it reaches 0. */
  blobRefs: (): string => `${prefix}blobrefs`,
  /** Set: every label that has ever been written. */
  labels: (): string => `${prefix}labels`,
  /** Hash: artifact path → JSON ArtifactHead, live artifacts only. */
  heads: (label: string): string => `${prefix}heads:${label}`,
  /** Hash: artifact path → last version number given out (kept across deletes so versions never repeat). */
  versions: (label: string): string => `${prefix}versions:${label}`,
  /**
   * List: JSON HistoryEntry, newest first, at most history_limit long. The label is URI-encoded so that no ':' in a
   * label can make two (label, path) pairs share a key.
   */
  history: (label: string, path: string): string => `${prefix}history:${encodeURIComponent(label)}:${path}`,
  /** Stream: one entry per committed changeset of the label. */
  stream: (label: string): string => `${prefix}stream:${label}`,
  /** String: 40 hex chars, XOR over heads of sha1(path "\n" sha256); see core/label-digest.ts. */
  digest: (label: string): string => `${prefix}digest:${label}`,
  /**
   * String with TTL: the first reply to a label's request id, so a retried request returns it again. The label is
   * URI-encoded as in `history`, so label `a` with id `b:X` and label `a:b` with id `X` never share a cached reply.
   */
  request: (label: string, requestId: string): string => `${prefix}request:${encodeURIComponent(label)}:${requestId}`,
  /** Hash: node id → JSON NodeStatus from its last heartbeat. */
  nodes: (): string => `${prefix}nodes`,
} as const;

/** Name of a gateway node's consumer group on a label stream (one group per node; consumer name = node id). */
export function consumerGroupName(nodeId: string): string {
  return `gw:${nodeId}`;
}
