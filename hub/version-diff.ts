// The unified diff between two kept versions of one artifact: what `artisync diff` and the status page show.
import { createTwoFilesPatch } from 'diff';
import { artifactKindOf } from '../core/artifact-kind.js';
import type { ArtifactPath } from '../core/artifact-path.js';
import { sha256Of } from '../core/blob-codec.js';
import { NotFoundError } from '../core/errors.js';
import { maskUserStoreSecrets } from '../core/userstore-secrets.js';
import type { HistoryEntry } from '../core/hub-api.js';
import type { RedisArtifactStore } from './store/redis-artifact-store.js';

/** The diff from version `from` to `to` of `path`; version 0 and deletes compare as empty text. */
export async function versionDiff(store: RedisArtifactStore, label: string, path: string, entries: HistoryEntry[], from: number, to: number): Promise<string> {
  const [oldText, newText] = await Promise.all([textOf(store, label, path, entries, from), textOf(store, label, path, entries, to)]);
  return createTwoFilesPatch(`${path}@v${from}`, `${path}@v${to}`, oldText, newText);
}

/** The version kept just before `to` (0 when none is), the default `from` of a diff. */
export function previousVersion(entries: HistoryEntry[], to: number): number {
  return entries.find((entry) => entry.version < to)?.version ?? 0;
}

// A delete version (and v0) compares as empty text, so a diff across a delete shows the whole file going or coming.
async function textOf(store: RedisArtifactStore, label: string, path: string, entries: HistoryEntry[], version: number): Promise<string> {
  if (version === 0) return '';
  const entry = entries.find((candidate) => candidate.version === version);
  if (entry === undefined) throw new NotFoundError('ARTISYNC_NOT_FOUND', `no version ${version} of ${path} in label ${label}`, { subject: path });
  if (entry.op === 'delete') return '';
  const { content } = await store.versionContent(label, path, version);
  return shownText(path as ArtifactPath, content);
}

// A person reads a diff: a Carbon app is a zip (compared by size and hash), a user store's secrets are masked.
function shownText(path: ArtifactPath, content: Buffer): string {
  const kind = artifactKindOf(path);
  if (kind === 'carbon-app') return `Carbon application archive, ${content.length} bytes, sha256 ${sha256Of(content)}\n`;
  const text = content.toString('utf8');
  return kind === 'userstore' ? maskUserStoreSecrets(text) : text;
}
