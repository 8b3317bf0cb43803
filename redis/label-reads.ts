// The reads of a label's keys that the hub and the gateway share, done one way for both: each label's keys sit in
// one Cluster slot, so a MULTI over them is atomic on plain Redis, Sentinel and Cluster alike.
import type { ArtifactHead } from '../core/hub-api.js';
import { redisKeys } from '../core/redis-keys.js';
import type { RedisClient } from './redis-connection.js';
import { isReplyOf } from './redis-errors.js';

/** A label's heads, digest and last revision, read in one MULTI so they agree with each other. */
export interface LabelSnapshot {
  label: string;
  /** Last stream entry id ("0-0" for an empty or missing stream). */
  revision: string;
  /** Null when the hub has not written a digest yet. */
  digest: string | null;
  heads: ArtifactHead[];
}

/** A label's digest (null when never written), head count and last revision, read together. */
export interface LabelDigest {
  digest: string | null;
  count: number;
  revision: string;
}

type LastEntry = Array<[string, string[]]>;

/** Runs a MULTI and returns its replies, throwing the first command error. */
async function execAll(multi: ReturnType<RedisClient['multi']>, what: string): Promise<unknown[]> {
  const replies = await multi.exec();
  if (replies === null) throw new Error(`${what} was aborted`);
  return replies.map(([err, value]) => {
    if (err !== null) throw err;
    return value;
  });
}

/** Heads, last revision and digest of a label in one transaction. */
export async function readLabelSnapshot(redis: RedisClient, label: string): Promise<LabelSnapshot> {
  const [heads, last, digest] = await execAll(redis.multi()
    .hgetall(redisKeys.heads(label))
    .xrevrange(redisKeys.stream(label), '+', '-', 'COUNT', 1)
    .get(redisKeys.digest(label)), `snapshot of label ${label}`);
  const artifacts = Object.values(heads as Record<string, string>).map((raw) => JSON.parse(raw) as ArtifactHead);
  return { label, revision: (last as LastEntry)[0]?.[0] ?? '0-0', digest: digest as string | null, heads: artifacts };
}

/** A label's digest, head count and last revision in one transaction. */
export async function readLabelDigest(redis: RedisClient, label: string): Promise<LabelDigest> {
  const [digest, count, last] = await execAll(redis.multi()
    .get(redisKeys.digest(label))
    .hlen(redisKeys.heads(label))
    .xrevrange(redisKeys.stream(label), '+', '-', 'COUNT', 1), `digest read of label ${label}`);
  return { digest: digest as string | null, count: Number(count ?? 0), revision: (last as LastEntry)[0]?.[0] ?? '0-0' };
}

/** Each label's last stream entry id ("0-0" for an empty or missing stream); one O(1) command per label. */
export async function readLastRevisions(redis: RedisClient, labels: readonly string[]): Promise<Map<string, string>> {
  const lasts = await Promise.all(labels.map((label) => redis.xrevrange(redisKeys.stream(label), '+', '-', 'COUNT', 1)));
  return new Map(labels.map((label, index) => [label, lasts[index]?.[0]?.[0] ?? '0-0']));
}

/** Creates a node's group on a label stream at `startId` (and the stream if needed); false when it already exists. */
export async function createConsumerGroup(redis: RedisClient, label: string, group: string, startId: string): Promise<boolean> {
  try {
    await redis.xgroup('CREATE', redisKeys.stream(label), group, startId, 'MKSTREAM');
    return true;
  } catch (err) {
    if (isReplyOf(err, 'BUSYGROUP')) return false;
    throw err;
  }
}
