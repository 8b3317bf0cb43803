// Builds the KEYS and ARGV of commit-changeset.lua from a changeset whose content is already hashed and encoded.
import { redisKeys } from '../../core/redis-keys.js';

/** One change ready for the script: hashed, encoded, and with the blobs its history trim may release. */
export interface ScriptChange {
  op: 'put' | 'delete';
  path: string;
  sha256: string;
  size: number;
  baseVersion: number | undefined;
  /** encodeBlob output; empty for a delete. */
  encoded: Buffer;
  /** sha256 of every put in the tail of the path's history that this commit may trim. */
  trimCandidates: string[];
}

/** Everything the script needs besides the changes. */
export interface ScriptSettings {
  label: string;
  node: string;
  committedAt: number;
  historyLimit: number;
  streamMaxlen: number;
  conflictPolicy: 'last-writer-wins' | 'reject';
  requestId: string | undefined;
  requestTtlSeconds: number;
}

/** The request-id key of a label: ids are scoped per label so two labels never share a cached reply. */
export function requestKeyOf(label: string, requestId: string | undefined): string {
  return redisKeys.request(label, requestId ?? '-');
}

/** KEYS followed by ARGV, flattened as ioredis' defineCommand expects (numberOfKeys given separately). */
export function buildCommitArgs(settings: ScriptSettings, changes: readonly ScriptChange[]): { keys: string[]; argv: Array<string | Buffer> } {
  const { label } = settings;
  const keys = [
    redisKeys.heads(label), redisKeys.versions(label), redisKeys.stream(label), redisKeys.digest(label),
    redisKeys.blobRefs(), redisKeys.labels(), requestKeyOf(label, settings.requestId),
  ];
  const argv: Array<string | Buffer> = [
    label, settings.node, String(settings.committedAt), String(settings.historyLimit), String(settings.streamMaxlen),
    settings.conflictPolicy, settings.requestId ?? '', String(settings.requestTtlSeconds), String(changes.length),
  ];
  for (const change of changes) {
    const candidates = [...new Set(change.trimCandidates)];
    keys.push(redisKeys.history(label, change.path), redisKeys.blob(change.op === 'put' ? change.sha256 : '-'));
    keys.push(...candidates.map((sha) => redisKeys.blob(sha)));
    argv.push(change.op, change.path, change.sha256, String(change.size), change.baseVersion === undefined ? '' : String(change.baseVersion));
    argv.push(change.encoded, String(candidates.length), ...candidates);
  }
  return { keys, argv };
}
