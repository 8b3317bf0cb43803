// Builds the KEYS and ARGV of commit-changeset.lua from a changeset whose content is already hashed.
import { redisKeys } from '../../core/redis-keys.js';

/** One change ready for the script: hashed, with its encoded blob (written before the script, not passed to it). */
export interface ScriptChange {
  op: 'put' | 'delete';
  path: string;
  sha256: string;
  size: number;
  baseVersion: number | undefined;
  /** encodeBlob output; empty for a delete. */
  encoded: Buffer;
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

/** KEYS followed by ARGV, flattened as ioredis' defineCommand expects (numberOfKeys given separately); every key is in the label's slot. */
export function buildCommitArgs(settings: ScriptSettings, changes: readonly ScriptChange[]): { keys: string[]; argv: string[] } {
  const { label } = settings;
  const keys = [
    redisKeys.heads(label), redisKeys.versions(label), redisKeys.stream(label), redisKeys.digest(label),
    redisKeys.blobRefs(label), redisKeys.request(label, settings.requestId ?? '-'),
  ];
  const argv = [
    label, settings.node, String(settings.committedAt), String(settings.historyLimit), String(settings.streamMaxlen),
    settings.conflictPolicy, settings.requestId ?? '', String(settings.requestTtlSeconds), String(changes.length),
  ];
  for (const change of changes) {
    keys.push(redisKeys.history(label, change.path));
    argv.push(change.op, change.path, change.sha256, String(change.size), change.baseVersion === undefined ? '' : String(change.baseVersion));
  }
  return { keys, argv };
}
