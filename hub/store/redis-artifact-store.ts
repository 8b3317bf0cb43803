// The hub's artifact store in Redis: one Lua call commits a changeset; reads give heads, history, content and digests.
import { readFileSync } from 'node:fs';
import { decodeBlob, encodeBlob, sha256Of } from '../../core/blob-codec.js';
import { decodeChangeEvent, type ChangeEvent } from '../../core/change-event.js';
import { ArtisyncError, NotFoundError } from '../../core/errors.js';
import type { ArtifactHead, DigestReply, HistoryEntry, PutResult, Snapshot, VersionsReply } from '../../core/hub-api.js';
import { EMPTY_DIGEST } from '../../core/label-digest.js';
import { redisKeys } from '../../core/redis-keys.js';
import { readLabelDigest, readLabelSnapshot } from '../../redis/label-reads.js';
import type { RedisClient } from '../../redis/redis-connection.js';
import { BlobKeeper } from './blob-keeper.js';
import { buildCommitArgs, type ScriptChange } from './commit-script-args.js';
import { mapRedisError } from '../../redis/redis-errors.js';

export type { RedisClient } from '../../redis/redis-connection.js';

/** One change handed to the store; content is the raw artifact bytes. */
export interface StoreChange {
  op: 'put' | 'delete';
  path: string;
  content?: Uint8Array;
  baseVersion?: number;
}

/** A changeset to commit as one revision. */
export interface CommitRequest {
  label: string;
  node: string;
  requestId?: string;
  changes: readonly StoreChange[];
}

/** What became of one change: a result, or refused as a conflict under `conflict_policy = "reject"`. */
export interface CommitItemOutcome {
  path: string;
  op: 'put' | 'delete';
  result?: PutResult;
  refused?: { code: 'ARTISYNC_CONFLICT'; message: string };
}

/** What became of a changeset; items are in request order. */
export interface CommitOutcome {
  revision: string | null;
  items: CommitItemOutcome[];
}

/** Store settings from hub.toml, plus the clock and a latency probe. */
export interface ArtifactStoreOptions {
  historyLimit: number;
  streamMaxlen: number;
  conflictPolicy: 'last-writer-wins' | 'reject';
  now: () => number;
  observeLatency?: (operation: string, seconds: number) => void;
  /** How long a blob written before its commit script is safe from deletion; default BLOB_GRACE_MS, 0 only in tests. */
  blobGraceMs?: number;
  /** Told when deleting unreferenced blobs after a commit failed (the commit itself succeeded). */
  onBlobCollectError?: (err: Error) => void;
  /** Told when blobs a commit references were missing after it and were written again. */
  onBlobsRestored?: (label: string, shas: string[]) => void;
}

/** Default grace of a freshly written blob: far longer than any commit between its blob write and its script. */
export const BLOB_GRACE_MS = 60_000;

interface ScriptCommands {
  artisyncCommitChangeset(numberOfKeys: number, ...args: string[]): Promise<string>;
}

interface ScriptReply {
  revision: string;
  items: Array<{ path: string; op: 'put' | 'delete'; version?: number; sha256?: string; unchanged?: boolean; conflict?: boolean; refused?: string; message?: string }>;
  /** cjson encodes an empty list as {}. */
  released?: string[] | Record<string, never>;
}

const REQUEST_TTL_SECONDS = 86_400;

function luaSource(name: string): string {
  return readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
}

/** Registers the store's Lua scripts on a connection (once per connection). */
export function defineStoreCommands(redis: RedisClient): void {
  redis.defineCommand('artisyncCommitChangeset', { lua: luaSource('commit-changeset') });
}

/** Versioned artifact store over one Redis (or Cluster: each label's keys share the label's hash tag). */
export class RedisArtifactStore {
  private readonly scripts: ScriptCommands;
  /** Writes blobs before commits and deletes the ones no label references any more. */
  readonly blobs: BlobKeeper;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: ArtifactStoreOptions,
  ) {
    defineStoreCommands(redis);
    this.scripts = redis as unknown as ScriptCommands;
    this.blobs = new BlobKeeper(redis, options.blobGraceMs ?? BLOB_GRACE_MS, options.now);
  }

  /** Commits every change as one revision (or none when nothing changed); conflicts follow the policy. */
  async commitChangeset(request: CommitRequest): Promise<CommitOutcome> {
    const paths = new Set(request.changes.map((change) => change.path));
    if (request.changes.length === 0 || paths.size !== request.changes.length) {
      throw new ArtisyncError('ARTISYNC_BAD_REQUEST', 'a changeset needs at least one change and each path at most once', { subject: request.label });
    }
    // A retried request gets its first reply before any blob is written: its body may differ, and nothing may change.
    const { requestId } = request;
    if (requestId !== undefined && requestId !== '') {
      const cached = await this.timed('request cache', request.label, () => this.redis.get(redisKeys.request(request.label, requestId)));
      if (cached !== null) {
        const outcome = parseCommitReply(JSON.parse(cached) as ScriptReply);
        await this.restoreRetriedBlobs(request, outcome);
        return outcome;
      }
    }
    const prepared = request.changes.map((change) => prepareChange(change));
    const puts = new Map(prepared.filter((change) => change.op === 'put').map((change) => [change.sha256, change.encoded]));
    // The label is listed before its blobs exist: a sweep counts only listed labels' references.
    await this.timed('write blobs', request.label, () => Promise.all([this.blobs.hold(puts), this.redis.sadd(redisKeys.labels(), request.label)]));
    const { keys, argv } = buildCommitArgs({
      label: request.label, node: request.node, committedAt: this.options.now(), historyLimit: this.options.historyLimit,
      streamMaxlen: this.options.streamMaxlen, conflictPolicy: this.options.conflictPolicy, requestId: request.requestId,
      requestTtlSeconds: REQUEST_TTL_SECONDS,
    }, prepared);
    const raw = await this.timed('commit', request.label, () => this.scripts.artisyncCommitChangeset(keys.length, ...keys, ...argv));
    const reply = JSON.parse(raw) as ScriptReply;
    const outcome = parseCommitReply(reply);
    // Redis may have restarted or failed over between the blob writes and the commit: listed and written again if so.
    await this.timed('check blobs', request.label, async () => {
      const [restored] = await Promise.all([
        this.blobs.restoreMissing(keptPuts(outcome, new Map([...puts].map(([sha, encoded]) => [sha, () => encoded])))),
        outcome.revision === null ? undefined : this.redis.sadd(redisKeys.labels(), request.label),
      ]);
      if (restored.length > 0) this.options.onBlobsRestored?.(request.label, restored);
    });
    // A blob written for a refused item may be referenced by nobody, like one the commit released.
    const refused = outcome.items.filter((item) => item.refused !== undefined).map((item) => prepared.find((change) => change.path === item.path));
    const released = Array.isArray(reply.released) ? reply.released : [];
    const candidates = [...released, ...refused.flatMap((change) => (change?.op === 'put' ? [change.sha256] : []))];
    // The commit stands whatever happens here: a blob left behind costs memory only, and the next sweep retries.
    await this.timed('collect blobs', request.label, () => this.blobs.collect(candidates)).catch((err: unknown) => this.options.onBlobCollectError?.(err as Error));
    return outcome;
  }

  /**
   * A retried request whose first attempt committed while its reply was lost (the hub died, the connection dropped)
   * may have lost its blobs with it: the ones the retried body carries are written again where missing.
   */
  private async restoreRetriedBlobs(request: CommitRequest, outcome: CommitOutcome): Promise<void> {
    const carried = new Map<string, () => Buffer>();
    for (const change of request.changes) {
      const { content } = change;
      if (change.op === 'put' && content !== undefined) carried.set(sha256Of(content), () => encodeBlob(content));
    }
    const restored = await this.timed('check blobs', request.label, () => this.blobs.restoreMissing(keptPuts(outcome, carried)));
    if (restored.length > 0) this.options.onBlobsRestored?.(request.label, restored);
  }

  /** Every head of a label with the revision and digest read in the same atomic step. */
  async snapshot(label: string): Promise<Snapshot> {
    const read = await this.timed('snapshot', label, () => readLabelSnapshot(this.redis, label));
    const artifacts = read.heads.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { label, revision: read.revision, digest: read.digest ?? EMPTY_DIGEST, artifacts };
  }

  /** A label's digest, head count and last revision, read in one MULTI. */
  async digest(label: string): Promise<DigestReply> {
    const read = await this.timed('digest', label, () => readLabelDigest(this.redis, label));
    return { label, revision: read.revision, digest: read.digest ?? EMPTY_DIGEST, count: read.count };
  }

  /** The last version given out per path of a label, deleted paths included. */
  async versions(label: string): Promise<VersionsReply> {
    const raw = await this.timed('versions', label, () => this.redis.hgetall(redisKeys.versions(label)));
    return { label, versions: Object.fromEntries(Object.entries(raw).map(([path, version]) => [path, Number(version)])) };
  }

  /** The head of one artifact, or undefined when it does not exist. */
  async head(label: string, path: string): Promise<ArtifactHead | undefined> {
    const raw = await this.timed('head', path, () => this.redis.hget(redisKeys.heads(label), path));
    return raw === null ? undefined : (JSON.parse(raw) as ArtifactHead);
  }

  /** Versions of one artifact still kept, newest first. */
  async history(label: string, path: string): Promise<HistoryEntry[]> {
    const raw = await this.timed('history', path, () => this.redis.lrange(redisKeys.history(label, path), 0, -1));
    return raw.map((entry) => JSON.parse(entry) as HistoryEntry);
  }

  /** Raw content and history entry of one version (default: the head); NotFoundError when gone or a delete. */
  async versionContent(label: string, path: string, version?: number): Promise<{ entry: HistoryEntry; content: Buffer }> {
    const entries = await this.history(label, path);
    const head = version === undefined ? await this.head(label, path) : undefined;
    const wanted = version ?? head?.version;
    const entry = entries.find((candidate) => candidate.version === wanted);
    const what = version === undefined ? `${path} in label ${label}` : `version ${version} of ${path} in label ${label}`;
    if (wanted === undefined || entry === undefined) throw new NotFoundError('ARTISYNC_NOT_FOUND', `no ${what}`, { subject: path });
    if (entry.op === 'delete') throw new NotFoundError('ARTISYNC_NOT_FOUND', `${what} is a delete and has no content`, { subject: path });
    const content = await this.blob(entry.sha256);
    if (content === undefined) throw new NotFoundError('ARTISYNC_NOT_FOUND', `content of ${what} is gone`, { subject: path });
    return { entry, content };
  }

  /** A blob's raw bytes by sha256, or undefined. */
  async blob(sha256: string): Promise<Buffer | undefined> {
    const stored = await this.timed('blob', sha256, () => this.redis.getBuffer(redisKeys.blob(sha256)));
    return stored === null ? undefined : decodeBlob(stored);
  }

  /** Every label ever written, sorted. */
  async labels(): Promise<string[]> {
    return (await this.timed('labels', undefined, () => this.redis.smembers(redisKeys.labels()))).sort();
  }

  /** A label's last `count` changesets from its stream, newest first (what the status page shows). */
  async recentChangesets(label: string, count: number): Promise<Array<{ revision: string; event: ChangeEvent }>> {
    const entries = await this.timed('recent changesets', label, () => this.redis.xrevrange(redisKeys.stream(label), '+', '-', 'COUNT', count));
    return entries.map(([revision, fields]) => ({ revision, event: decodeChangeEvent(revision, fields) }));
  }

  /** Resolves when Redis answers PING. */
  async ping(): Promise<void> {
    await this.timed('ping', undefined, () => this.redis.ping());
  }

  private async timed<T>(operation: string, subject: string | undefined, call: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    try {
      return await call();
    } catch (err) {
      throw mapRedisError(err, operation, subject);
    } finally {
      this.options.observeLatency?.(operation, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}

function prepareChange(change: StoreChange): ScriptChange {
  if (change.op === 'delete') {
    return { op: 'delete', path: change.path, sha256: '', size: 0, baseVersion: change.baseVersion, encoded: Buffer.alloc(0) };
  }
  const content = change.content ?? new Uint8Array();
  return {
    op: 'put', path: change.path, sha256: sha256Of(content), size: content.length, baseVersion: change.baseVersion,
    encoded: encodeBlob(content),
  };
}

/**
 * The blobs of the puts a commit answered for (committed or unchanged), which must exist now, with their content
 * from `available` (sha → encoded content); a sha it lacks is left out, never written empty.
 */
function keptPuts(outcome: CommitOutcome, available: ReadonlyMap<string, () => Buffer>): Map<string, () => Buffer> {
  const kept = new Map<string, () => Buffer>();
  for (const item of outcome.items) {
    const sha = item.op === 'put' ? item.result?.sha256 : undefined;
    const content = sha === undefined ? undefined : available.get(sha);
    if (sha !== undefined && content !== undefined) kept.set(sha, content);
  }
  return kept;
}

function parseCommitReply(reply: ScriptReply): CommitOutcome {
  const revision = reply.revision === '' ? null : reply.revision;
  const items = reply.items.map((item): CommitItemOutcome => {
    if (item.refused !== undefined) {
      return { path: item.path, op: item.op, refused: { code: 'ARTISYNC_CONFLICT', message: `${item.path}: ${item.message ?? 'conflict'}` } };
    }
    const unchanged = item.unchanged === true;
    return {
      path: item.path, op: item.op,
      result: {
        path: item.path, op: item.op, version: item.version ?? 0, sha256: item.sha256 ?? '',
        revision: unchanged ? null : revision, unchanged, conflict: item.conflict === true,
      },
    };
  });
  return { revision, items };
}
