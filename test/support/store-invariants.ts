// Checks a label's Redis state for what faults must never cause: duplicate or missing versions, events without data.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { decodeChangeEvent } from '../../core/change-event.js';
import type { ArtifactHead, HistoryEntry } from '../../core/hub-api.js';
import { redisKeys } from '../../core/redis-keys.js';

/** sha256 hex of some content, as the hub names blobs. */
export function sha256Of(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The label's heads, path → head. */
export async function readHeads(redis: Redis, label: string): Promise<Map<string, ArtifactHead>> {
  const raw = await redis.hgetall(redisKeys.heads(label));
  return new Map(Object.entries(raw).map(([path, json]) => [path, JSON.parse(json) as ArtifactHead]));
}

/**
 * Lists every broken invariant of a label (empty when sound): each (path, version) in at most one stream event,
 * versions per path dense in the stream and in history, no version that repeats its predecessor's content (a resend
 * that became a duplicate), heads equal to the newest history put, and a blob behind every head.
 */
export async function findStoreProblems(redis: Redis, label: string): Promise<string[]> {
  const problems: string[] = [];
  const seen = new Map<string, number[]>();
  for (const [id, fields] of await redis.xrange(redisKeys.stream(label), '-', '+')) {
    for (const item of decodeChangeEvent(id, fields).items) {
      const versions = seen.get(item.path) ?? [];
      if (versions.includes(item.version)) problems.push(`${item.path} v${item.version} appears in two stream events (second: ${id})`);
      versions.push(item.version);
      seen.set(item.path, versions);
    }
  }
  for (const [path, versions] of seen) {
    versions.forEach((version, index) => {
      if (version !== index + 1) problems.push(`${path}: stream versions ${versions.join(',')} are not 1..n`);
    });
  }
  const heads = await readHeads(redis, label);
  for (const path of new Set([...seen.keys(), ...heads.keys()])) {
    problems.push(...(await findHistoryProblems(redis, label, path, heads.get(path))));
  }
  return [...new Set(problems)];
}

async function findHistoryProblems(redis: Redis, label: string, path: string, head: ArtifactHead | undefined): Promise<string[]> {
  const problems: string[] = [];
  const history = (await redis.lrange(redisKeys.history(label, path), 0, -1)).map((json) => JSON.parse(json) as HistoryEntry);
  history.forEach((entry, index) => {
    const older = history[index + 1];
    if (older === undefined) return;
    if (older.version !== entry.version - 1) problems.push(`${path}: history v${older.version} then v${entry.version}`);
    if (older.op === 'put' && entry.op === 'put' && older.sha256 === entry.sha256) {
      problems.push(`${path}: v${entry.version} repeats the content of v${older.version}`);
    }
  });
  const newest = history[0];
  if (head === undefined) {
    if (newest !== undefined && newest.op === 'put') problems.push(`${path}: no head but history ends in put v${newest.version}`);
    return problems;
  }
  if (newest?.version !== head.version || newest.sha256 !== head.sha256) problems.push(`${path}: head v${head.version} is not the newest history entry`);
  if ((await redis.exists(redisKeys.blob(head.sha256))) !== 1) problems.push(`${path}: head v${head.version} has no blob`);
  return problems;
}
