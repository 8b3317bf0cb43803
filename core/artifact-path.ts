// Artifact paths: server-root-relative POSIX paths inside the two synced trees, refused when they could escape.
import { posix } from 'node:path';
import { PathError } from './errors.js';

/** A normalised path relative to the server root, known to lie inside one of the synced trees. */
export type ArtifactPath = string & { readonly __brand: 'ArtifactPath' };

/** Every tree artisync can keep in sync, relative to the server root; an agent syncs those its `trees` key names. */
export const SYNCED_TREES = ['synapse-configs/default', 'executionplans', 'userstores', 'carbonapps'] as const;
export type SyncedTree = (typeof SYNCED_TREES)[number];
/** The trees an agent syncs when its config does not name any: the two API-M 3.x trees of SPEC.md. */
export const DEFAULT_TREES: readonly SyncedTree[] = ['synapse-configs/default', 'executionplans'];

const MAX_PATH_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;
const encoder = new TextEncoder();
// A lone surrogate or U+FFFD is what invalid UTF-8 becomes once decoded to a JS string.
const CONTROL_CHAR = new RegExp('[\\u0001-\\u001F\\u007F]');
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Checks a server-root-relative path and returns it as an ArtifactPath; throws PathError naming the path. */
export function parseArtifactPath(raw: string): ArtifactPath {
  const shown = JSON.stringify(raw);
  if (raw.length === 0) throw new PathError('ARTISYNC_PATH_INVALID', `empty artifact path`, { subject: raw });
  if (raw.includes('\0')) throw new PathError('ARTISYNC_PATH_INVALID', `artifact path ${shown} contains NUL`, { subject: raw });
  // A newline or other control character would forge extra lines in logs and in `PATH:LINE:COL` output.
  if (CONTROL_CHAR.test(raw)) {
    throw new PathError('ARTISYNC_PATH_INVALID', `artifact path ${shown} contains a control character`, { subject: raw });
  }
  if (raw.includes('\\')) throw new PathError('ARTISYNC_PATH_ESCAPES_TREE', `artifact path ${shown} contains a backslash`, { subject: raw });
  if (LONE_SURROGATE.test(raw) || raw.includes('\uFFFD')) {
    throw new PathError('ARTISYNC_PATH_INVALID', `artifact path ${shown} is not valid UTF-8`, { subject: raw });
  }
  if (raw.startsWith('/')) throw new PathError('ARTISYNC_PATH_ESCAPES_TREE', `artifact path ${shown} is absolute`, { subject: raw });
  if (encoder.encode(raw).length > MAX_PATH_BYTES) {
    throw new PathError('ARTISYNC_PATH_INVALID', `artifact path ${shown} is longer than ${MAX_PATH_BYTES} bytes`, { subject: raw });
  }
  const segments = raw.split('/');
  for (const segment of segments) {
    if (segment === '..' || segment === '.') {
      throw new PathError('ARTISYNC_PATH_ESCAPES_TREE', `artifact path ${shown} contains "${segment}"`, { subject: raw });
    }
    if (segment.length === 0) throw new PathError('ARTISYNC_PATH_INVALID', `artifact path ${shown} has an empty segment`, { subject: raw });
    if (encoder.encode(segment).length > MAX_SEGMENT_BYTES) {
      throw new PathError('ARTISYNC_PATH_INVALID', `artifact path ${shown} has a segment longer than ${MAX_SEGMENT_BYTES} bytes`, { subject: raw });
    }
  }
  if (treeOf(raw) === undefined) {
    throw new PathError('ARTISYNC_PATH_OUTSIDE_TREES', `artifact path ${shown} is not inside ${SYNCED_TREES.join(' or ')}`, { subject: raw });
  }
  return raw as ArtifactPath;
}

/** The synced tree a relative path lies in (a file strictly below the tree's folder, among `trees`), or undefined. */
export function treeOf(relative: string, trees: readonly SyncedTree[] = SYNCED_TREES): SyncedTree | undefined {
  return trees.find((tree) => relative.startsWith(`${tree}/`) && relative.length > tree.length + 1);
}

/** Turns an absolute file location under `serverRoot` into its ArtifactPath; throws PathError when it is outside. */
export function toArtifactPath(serverRoot: string, absolutePath: string): ArtifactPath {
  const relative = posix.relative(posix.resolve(serverRoot), posix.resolve(absolutePath));
  if (relative === '..' || relative.startsWith('../') || posix.isAbsolute(relative)) {
    throw new PathError('ARTISYNC_PATH_ESCAPES_TREE', `${absolutePath} is outside the server root ${serverRoot}`, { subject: absolutePath });
  }
  return parseArtifactPath(relative);
}

/** The absolute location of an artifact under `serverRoot`. */
export function toAbsolutePath(serverRoot: string, path: ArtifactPath): string {
  return posix.join(posix.resolve(serverRoot), path);
}
