// POST changesets: many puts and deletes, checked one by one, the valid ones committed together as one revision.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ArtisyncError, ERROR_CODES } from '../../core/errors.js';
import { HUB_HEADERS, HUB_ROUTES, type ChangesetItemResult, type ChangesetResponse } from '../../core/hub-api.js';
import { checkContent, checkPath } from '../change-check.js';
import { commitChanges, requestNode } from '../commit-changes.js';
import { asArtisyncError, toErrorBody } from '../error-reply.js';
import type { HubDeps } from '../hub-deps.js';
import type { StoreChange } from '../store/redis-artifact-store.js';

// A changeset carries hundreds of artifacts as base64 (4/3 of their size), so its limit is well above one artifact's.
const MIN_CHANGESET_BODY_BYTES = 64 * 1024 * 1024;

const changesetSchema = z.object({
  node: z.string().optional(),
  requestId: z.string().min(1).optional(),
  changes: z.array(z.object({
    op: z.enum(['put', 'delete']),
    path: z.string(),
    content: z.string().optional(),
    baseVersion: z.int().min(0).optional(),
  })).min(1),
});

type ChangeItem = z.infer<typeof changesetSchema>['changes'][number];

/** Registers POST changesets. */
export function changesetRoute(app: FastifyInstance, deps: HubDeps, done: (err?: Error) => void): void {
  const bodyLimit = Math.max(MIN_CHANGESET_BODY_BYTES, deps.config.max_artifact_bytes * 3);
  // Only JSON is a changeset; without this fastify would hand a text/plain body over as a string.
  app.removeContentTypeParser('text/plain');
  app.post<{ Params: { label: string } }>(HUB_ROUTES.changesets, { bodyLimit }, async (request): Promise<ChangesetResponse> => {
    const parsed = changesetSchema.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ArtisyncError('ARTISYNC_BAD_REQUEST', `changeset body: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`.trim());
    }
    const { label } = request.params;
    const body = parsed.data;
    const results: Array<ChangesetItemResult | undefined> = [];
    const accepted: Array<{ index: number; change: StoreChange }> = [];
    const seen = new Set<string>();
    body.changes.forEach((item, index) => {
      try {
        const change = checkItem(deps, label, item);
        if (seen.has(change.path)) throw new ArtisyncError('ARTISYNC_BAD_REQUEST', `${change.path} appears twice in one changeset`, { subject: change.path });
        seen.add(change.path);
        accepted.push({ index, change });
        results.push(undefined);
      } catch (err) {
        const mapped = asArtisyncError(err);
        deps.metrics.rejects.inc({ code: mapped.code });
        results.push({ path: item.path, op: item.op, status: ERROR_CODES[mapped.code], error: toErrorBody(mapped).error });
      }
    });
    if (accepted.length === 0) return { revision: null, results: results as ChangesetItemResult[] };
    const headerId = request.headers[HUB_HEADERS.requestId];
    const requestId = body.requestId ?? (typeof headerId === 'string' && headerId !== '' ? headerId : undefined);
    const outcome = await commitChanges(deps, label, requestNode(request, body.node), requestId, accepted.map((entry) => entry.change));
    outcome.items.forEach((item, position) => {
      const index = accepted[position]?.index ?? 0;
      results[index] = item.refused === undefined
        ? { path: item.path, op: item.op, status: 200, ...(item.result === undefined ? {} : { result: item.result }) }
        : { path: item.path, op: item.op, status: 409, error: { code: item.refused.code, message: item.refused.message, subject: item.path } };
    });
    return { revision: outcome.revision, results: results as ChangesetItemResult[] };
  });
  done();
}

function checkItem(deps: HubDeps, label: string, item: ChangeItem): StoreChange {
  const path = checkPath(item.path);
  const base = item.baseVersion === undefined ? {} : { baseVersion: item.baseVersion };
  if (item.op === 'delete') return { op: 'delete', path, ...base };
  const content = item.content === undefined ? undefined : Buffer.from(item.content, 'base64');
  // Node's decoder skips what is not base64; encoding back and comparing refuses that, 20x faster than a regex over it.
  if (content === undefined || content.toString('base64') !== item.content) {
    throw new ArtisyncError('ARTISYNC_BAD_REQUEST', `${path}: content must be base64`, { subject: path });
  }
  checkContent(deps, label, path, content);
  return { op: 'put', path, content, ...base };
}
