// POST changesets: many puts and deletes, checked one by one, the valid ones committed together as one revision.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CHANGESET_FRAME_TYPE, contentsOfFrame, splitChangesetFrame } from '../../core/changeset-frame.js';
import { ArtisyncError, ERROR_CODES } from '../../core/errors.js';
import { HUB_HEADERS, HUB_ROUTES, type ChangesetItemResult, type ChangesetResponse } from '../../core/hub-api.js';
import { checkContent, checkPath } from '../change-check.js';
import { commitChanges, requestNode } from '../commit-changes.js';
import { asArtisyncError, toErrorBody } from '../error-reply.js';
import type { HubDeps } from '../hub-deps.js';
import type { StoreChange } from '../store/redis-artifact-store.js';

// A changeset carries hundreds of artifacts (as base64 in JSON, 4/3 of their size), so its limit is well above one artifact's.
const MIN_CHANGESET_BODY_BYTES = 64 * 1024 * 1024;

const changeFields = { op: z.enum(['put', 'delete']), path: z.string(), baseVersion: z.int().min(0).optional() };
const headerFields = { node: z.string().optional(), requestId: z.string().min(1).optional() };
const changesetSchema = z.object({ ...headerFields, changes: z.array(z.object({ ...changeFields, content: z.string().optional() })).min(1) });
const frameHeaderSchema = z.object({ ...headerFields, changes: z.array(z.object({ ...changeFields, size: z.int().min(0).optional() })).min(1) });

/** A change as either body form gives it: content decoded, or undefined with why when the item carried none usable. */
interface ChangeItem {
  op: 'put' | 'delete';
  path: string;
  baseVersion?: number | undefined;
  content: Buffer | undefined;
  missing: string;
}

/** The body's changes, from a changeset frame (binary) or from JSON with base64 content. */
function parseBody(body: unknown): { node?: string | undefined; requestId?: string | undefined; changes: ChangeItem[] } {
  if (Buffer.isBuffer(body)) {
    const { header, contents } = splitChangesetFrame(body);
    const frame = checked(frameHeaderSchema.safeParse(header), 'changeset frame header');
    const cut = contentsOfFrame(frame.changes, contents);
    const missing = 'a put needs content (base64 in JSON, a size in a frame)';
    return { ...frame, changes: frame.changes.map(({ size: _size, ...change }, index) => ({ ...change, content: cut[index], missing })) };
  }
  const json = checked(changesetSchema.safeParse(body), 'changeset body');
  return { ...json, changes: json.changes.map(({ content, ...change }) => ({ ...change, content: fromBase64(content), missing: 'content must be base64' })) };
}

function checked<T>(parsed: { success: true; data: T } | { success: false; error: z.ZodError }, what: string): T {
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ArtisyncError('ARTISYNC_BAD_REQUEST', `${what}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`.trim());
}

// Node's decoder skips what is not base64; encoding back and comparing refuses that, 20x faster than a regex over it.
function fromBase64(content: string | undefined): Buffer | undefined {
  if (content === undefined) return undefined;
  const decoded = Buffer.from(content, 'base64');
  return decoded.toString('base64') === content ? decoded : undefined;
}

/** Registers POST changesets. */
export function changesetRoute(app: FastifyInstance, deps: HubDeps, done: (err?: Error) => void): void {
  const bodyLimit = Math.max(MIN_CHANGESET_BODY_BYTES, deps.config.max_artifact_bytes * 3);
  // Only JSON is a changeset; without this fastify would hand a text/plain body over as a string.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(CHANGESET_FRAME_TYPE, { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
  app.post<{ Params: { label: string } }>(HUB_ROUTES.changesets, { bodyLimit }, async (request): Promise<ChangesetResponse> => {
    const { label } = request.params;
    const body = parseBody(request.body);
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
  const { content } = item;
  if (content === undefined) throw new ArtisyncError('ARTISYNC_BAD_REQUEST', `${path}: ${item.missing}`, { subject: path });
  checkContent(deps, label, path, content);
  return { op: 'put', path, content, ...base };
}
