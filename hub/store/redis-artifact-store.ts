// The hub's artifact store in Redis: one Lua call commits a changeset; reads give heads, history, content and digests.
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { decodeBlob, encodeBlob, sha256Of } from '../../core/blob-codec.js';
import { decodeChangeEvent, type ChangeEvent } from '../../core/change-event.js';
import { ArtisyncError, NotFoundError } from '../../core/errors.js';
import type { ArtifactHead, DigestReply, HistoryEntry, PutResult, Snapshot, VersionsReply } from '../../core/hub-api.js';
import { EMPTY_DIGEST } from '../../core/label-digest.js';
import { redisKeys } from '../../core/redis-keys.js';
import { buildCommitArgs, type ScriptChange } from './commit-script-args.js';
import { mapRedisError, StaleHistoryError } from './redis-reply-error.js';

/** A Redis or Cluster connection as ioredis gives it. */
export type RedisClient = Redis | Cluster;

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
}

interface ScriptCommands {
  artisyncCommitChangeset(numberOfKeys: number, ...args: Array<string | Buffer>): Promise<string>;
  artisyncReadSnapshot(...keys: string[]): Promise<[string, string, string[]]>;
}

interface ScriptReply {
  revision: string;
  items: Array<{ path: string; op: 'put' | 'delete'; version?: number; sha256?: string; unchanged?: boolean; conflict?: boolean; refused?: string; message?: string }>;
}

const REQUEST_TTL_SECONDS = 86_400;
// Concurrent commits on one path between our history read and the script; beyond this the script says STALE.
const TRIM_WINDOW = 64;
const MAX_STALE_RETRIES = 50;

function luaSource(name: string): string {
  return readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
}

/** Registers the store's Lua scripts on a connection (once per connection). */
export function defineStoreCommands(redis: RedisClient): void {
  redis.defineCommand('artisyncCommitChangeset', { lua: luaSource('commit-changeset') });
  redis.defineCommand('artisyncReadSnapshot', { numberOfKeys: 3, lua: luaSource('read-snapshot') });
}

/** Versioned artifact store over one Redis (or Cluster: every key shares one hash tag). */
export class RedisArtifactStore {
  private readonly scripts: ScriptCommands;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: ArtifactStoreOptions,
  ) {
    defineStoreCommands(redis);
    this.scripts = redis as unknown as ScriptCommands;
  }

  /** Commits every change as one revision (or none when nothing changed); conflicts follow the policy. */
  async commitChangeset(request: CommitRequest): Promise<CommitOutcome> {
    const paths = new Set(request.changes.map((change) => change.path));
    if (request.changes.length === 0 || paths.size !== request.changes.length) {
      throw new ArtisyncError('ARTISYNC_BAD_REQUEST', 'a changeset needs at least one change and each path at most once', { subject: request.label });
    }
    const prepared = request.changes.map((change) => prepareChange(change));
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.tryCommit(request, prepared);
      } catch (err) {
        if (!(err instanceof StaleHistoryError) || attempt >= MAX_STALE_RETRIES) throw mapStale(err, request.label);
      }
    }
  }

  private async tryCommit(request: CommitRequest, prepared: ScriptChange[]): Promise<CommitOutcome> {
    const withCandidates = await this.withTrimCandidates(request.label, prepared);
    const { keys, argv } = buildCommitArgs({
      label: request.label, node: request.node, committedAt: this.options.now(), historyLimit: this.options.historyLimit,
      streamMaxlen: this.options.streamMaxlen, conflictPolicy: this.options.conflictPolicy, requestId: request.requestId,
      requestTtlSeconds: REQUEST_TTL_SECONDS,
    }, withCandidates);
    const raw = await this.timed('commit', request.label, () => this.scripts.artisyncCommitChangeset(keys.length, ...keys, ...argv));
    return parseCommitReply(raw);
  }

  private async withTrimCandidates(label: string, changes: ScriptChange[]): Promise<ScriptChange[]> {
    const start = Math.max(0, this.options.historyLimit - 1 - TRIM_WINDOW);
    const pipeline = this.redis.pipeline();
    for (const change of changes) pipeline.lrange(redisKeys.history(label, change.path), start, -1);
    const replies = await this.timed('read history tail', label, () => pipeline.exec());
    return changes.map((change, index) => {
      const [err, entries] = replies?.[index] ?? [null, []];
      if (err !== null) throw mapRedisError(err, 'read history tail', change.path);
      const shas = (entries as string[]).map((raw) => JSON.parse(raw) as HistoryEntry).filter((e) => e.op === 'put').map((e) => e.sha256);
      return { ...change, trimCandidates: shas };
    });
  }

  /** Every head of a label with the revision and digest read in the same atomic step. */
  async snapshot(label: string): Promise<Snapshot> {
    const [revision, digest, flat] = await this.timed('snapshot', label, () =>
      this.scripts.artisyncReadSnapshot(redisKeys.heads(label), redisKeys.stream(label), redisKeys.digest(label)));
    const artifacts: ArtifactHead[] = [];
    for (let i = 1; i < flat.length; i += 2) artifacts.push(JSON.parse(flat[i] as string) as ArtifactHead);
    artifacts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { label, revision, digest: digest === '' ? EMPTY_DIGEST : digest, artifacts };
  }

  /** A label's digest, head count and last revision, read in one MULTI. */
  async digest(label: string): Promise<DigestReply> {
    const replies = await this.timed('digest', label, () => this.redis.multi()
      .get(redisKeys.digest(label)).hlen(redisKeys.heads(label)).xrevrange(redisKeys.stream(label), '+', '-', 'COUNT', 1).exec());
    const [digest, count, last] = (replies ?? []).map(([err, value]) => {
      if (err !== null) throw mapRedisError(err, 'digest', label);
      return value;
    });
    const lastEntry = (last as Array<[string, string[]]> | undefined)?.[0];
    return { label, revision: lastEntry?.[0] ?? '0-0', digest: (digest as string | null) ?? EMPTY_DIGEST, count: Number(count ?? 0) };
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
    return { op: 'delete', path: change.path, sha256: '', size: 0, baseVersion: change.baseVersion, encoded: Buffer.alloc(0), trimCandidates: [] };
  }
  const content = change.content ?? new Uint8Array();
  return {
    op: 'put', path: change.path, sha256: sha256Of(content), size: content.length, baseVersion: change.baseVersion,
    encoded: encodeBlob(content), trimCandidates: [],
  };
}

function parseCommitReply(raw: string): CommitOutcome {
  const reply = JSON.parse(raw) as ScriptReply;
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

function mapStale(err: unknown, label: string): Error {
  if (!(err instanceof StaleHistoryError)) return err as Error;
  return new ArtisyncError('ARTISYNC_INTERNAL', `history of label ${label} kept moving; commit gave up: ${err.message}`, { subject: label });
}
