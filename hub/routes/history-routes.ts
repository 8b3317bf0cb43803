// One artifact's past: its history, a unified diff between two versions, and rollback to an old version.
import type { FastifyInstance } from 'fastify';
import { createTwoFilesPatch } from 'diff';
import { z } from 'zod';
import { artifactKindOf } from '../../core/artifact-kind.js';
import type { ArtifactPath } from '../../core/artifact-path.js';
import { sha256Of } from '../../core/blob-codec.js';
import { ArtisyncError, ConflictError, NotFoundError } from '../../core/errors.js';
import { maskUserStoreSecrets } from '../../core/userstore-secrets.js';
import { HUB_ROUTES, type HistoryEntry, type PutResult } from '../../core/hub-api.js';
import { checkPath } from '../change-check.js';
import { commitChanges, requestNode } from '../commit-changes.js';
import type { HubDeps } from '../hub-deps.js';
import { parseOptionalInt } from './query-values.js';

interface PathQuery {
  Params: { label: string };
  Querystring: { path?: string; from?: string; to?: string };
}

const rollbackSchema = z.object({ path: z.string(), to: z.int().min(1), node: z.string().optional() });

/** Registers history, diff and rollback. */
export function historyRoutes(app: FastifyInstance, deps: HubDeps, done: (err?: Error) => void): void {
  app.get<PathQuery>(HUB_ROUTES.history, async (request): Promise<HistoryEntry[]> => {
    const path = checkPath(request.query.path);
    const entries = await deps.store.history(request.params.label, path);
    if (entries.length === 0) throw new NotFoundError('ARTISYNC_NOT_FOUND', `no history of ${path} in label ${request.params.label}`, { subject: path });
    return entries;
  });

  app.get<PathQuery>(HUB_ROUTES.diff, async (request, reply) => {
    const { label } = request.params;
    const path = checkPath(request.query.path);
    const entries = await deps.store.history(label, path);
    const to = parseOptionalInt(request.query.to, 'to') ?? entries[0]?.version;
    if (to === undefined) throw new NotFoundError('ARTISYNC_NOT_FOUND', `no history of ${path} in label ${label}`, { subject: path });
    // With no earlier version kept, the first version is compared with nothing (v0, empty).
    const from = parseOptionalInt(request.query.from, 'from') ?? entries.find((entry) => entry.version < to)?.version ?? 0;
    const [oldText, newText] = await Promise.all([textOf(deps, label, path, entries, from), textOf(deps, label, path, entries, to)]);
    const patch = createTwoFilesPatch(`${path}@v${from}`, `${path}@v${to}`, oldText, newText);
    return reply.type('text/plain; charset=utf-8').send(patch);
  });

  app.post<{ Params: { label: string } }>(HUB_ROUTES.rollback, async (request): Promise<PutResult> => {
    const parsed = rollbackSchema.safeParse(request.body);
    if (!parsed.success) throw new ArtisyncError('ARTISYNC_BAD_REQUEST', 'rollback body must be {"path": string, "to": version}');
    const { label } = request.params;
    const path = checkPath(parsed.data.path);
    const { content } = await deps.store.versionContent(label, path, parsed.data.to);
    const outcome = await commitChanges(deps, label, requestNode(request, parsed.data.node), undefined, [{ op: 'put', path, content }]);
    const item = outcome.items[0];
    if (item?.refused !== undefined) throw new ConflictError(item.refused.code, item.refused.message, { subject: path });
    if (item?.result === undefined) throw new ArtisyncError('ARTISYNC_INTERNAL', `no result for rollback of ${path}`, { subject: path });
    request.log.info({ label, path, to: parsed.data.to, version: item.result.version }, 'artifact rolled back');
    return item.result;
  });
  done();
}

// A delete version (and v0) compares as empty text, so a diff across a delete shows the whole file going or coming.
async function textOf(deps: HubDeps, label: string, path: ArtifactPath, entries: HistoryEntry[], version: number): Promise<string> {
  if (version === 0) return '';
  const entry = entries.find((candidate) => candidate.version === version);
  if (entry === undefined) throw new NotFoundError('ARTISYNC_NOT_FOUND', `no version ${version} of ${path} in label ${label}`, { subject: path });
  if (entry.op === 'delete') return '';
  const { content } = await deps.store.versionContent(label, path, version);
  return shownText(path, content);
}

// A person reads a diff: a Carbon app is a zip (compared by size and hash), a user store's secrets are masked.
function shownText(path: ArtifactPath, content: Buffer): string {
  const kind = artifactKindOf(path);
  if (kind === 'carbon-app') return `Carbon application archive, ${content.length} bytes, sha256 ${sha256Of(content)}\n`;
  const text = content.toString('utf8');
  return kind === 'userstore' ? maskUserStoreSecrets(text) : text;
}
