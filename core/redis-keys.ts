// Every Redis key artisync uses, built in one place. One hash tag per label keeps a label's keys in one Cluster slot
// (so its commit script may touch them together) while different labels spread over the masters; blobs are
// content-addressed, each under its own tag.

/** Every key starts with this, outside any hash tag, so one ACL pattern (`~artisync:*`) covers the whole store. */
export const KEY_PREFIX = 'artisync:';

/** The layout version the one-time move from the `{artisync}` layout records in `meta`. */
export const LAYOUT_VERSION = 2;

/** The hash tag of a label: URI-encoded, so no `{`, `}` or `:` in a label can move it to another slot or key. */
export function labelTag(label: string): string {
  return `{l:${encodeURIComponent(label)}}`;
}

const labelKey = (label: string, rest: string): string => `${KEY_PREFIX}${labelTag(label)}:${rest}`;

/** Key names for the artifact store and its streams. */
export const redisKeys = {
  /** String: a blob's encoded content (see core/blob-codec.ts), by sha256 of the raw bytes, in its own slot. */
  blob: (sha256: string): string => `${KEY_PREFIX}blob:{${sha256}}`,
  /**
   * String counter with TTL, in the blob's slot: commits in flight that wrote the blob and have not yet run their
   * label's script. A blob no label references is deleted only while this is absent (see hub/store/blob-keeper.ts).
   */
  blobLease: (sha256: string): string => `${KEY_PREFIX}blob:{${sha256}}:lease`,
  /** Sorted set: sha256 → ms when a blob no label references was found still held; swept once the lease is gone. */
  blobSweep: (): string => `${KEY_PREFIX}blobsweep`,
  /** Hash in the label's slot: sha256 → number of the label's history entries that reference the blob. */
  blobRefs: (label: string): string => labelKey(label, 'blobrefs'),
  /** Set: every label that has ever been written. */
  labels: (): string => `${KEY_PREFIX}labels`,
  /** Hash: artifact path → JSON ArtifactHead, live artifacts only. */
  heads: (label: string): string => labelKey(label, 'heads'),
  /** Hash: artifact path → last version number given out (kept across deletes so versions never repeat). */
  versions: (label: string): string => labelKey(label, 'versions'),
  /** List: JSON HistoryEntry, newest first, at most history_limit long. */
  history: (label: string, path: string): string => labelKey(label, `history:${path}`),
  /** Stream: one entry per committed changeset of the label; each entry names the one before it (`prev`). */
  stream: (label: string): string => labelKey(label, 'stream'),
  /** String: 40 hex chars, XOR over heads of sha1(path "\n" sha256); see core/label-digest.ts. */
  digest: (label: string): string => labelKey(label, 'digest'),
  /** String with TTL: the first reply to a label's request id, so a retried request returns it again. */
  request: (label: string, requestId: string): string => labelKey(label, `request:${requestId}`),
  /** Hash: node id → JSON NodeStatus from its last heartbeat. */
  nodes: (): string => `${KEY_PREFIX}nodes`,
  /** Hash: `layout` → LAYOUT_VERSION once the store is in this layout. */
  meta: (): string => `${KEY_PREFIX}meta`,
} as const;

/** The keys of the layout before version 2: every key under the one hash tag `{artisync}` (read by `artisync migrate`). */
export const legacyRedisKeys = {
  tag: '{artisync}',
  pattern: '{artisync}:*',
  blob: (sha256: string): string => `{artisync}:blob:${sha256}`,
  blobRefs: (): string => '{artisync}:blobrefs',
  labels: (): string => '{artisync}:labels',
  nodes: (): string => '{artisync}:nodes',
  heads: (label: string): string => `{artisync}:heads:${label}`,
  versions: (label: string): string => `{artisync}:versions:${label}`,
  stream: (label: string): string => `{artisync}:stream:${label}`,
  digest: (label: string): string => `{artisync}:digest:${label}`,
  /** Prefix of a label's history keys; the path follows. */
  historyPrefix: (label: string): string => `{artisync}:history:${encodeURIComponent(label)}:`,
} as const;

/** Name of a gateway node's consumer group on a label stream (one group per node; consumer name = node id). */
export function consumerGroupName(nodeId: string): string {
  return `gw:${nodeId}`;
}
