// PUT, DELETE and GET of one artifact: raw bytes in and out, the path in the `path` query.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ArtisyncError, ConflictError } from '../../core/errors.js';
import { HUB_HEADERS, HUB_ROUTES, type PutResult } from '../../core/hub-api.js';
import { checkContent, checkPath } from '../change-check.js';
import { commitChanges, requestNode } from '../commit-changes.js';
import type { HubDeps } from '../hub-deps.js';
import type { StoreChange } from '../store/redis-artifact-store.js';
import { parseOptionalInt } from './query-values.js';

interface ArtifactRequest {
  Params: { label: string };
  Querystring: { path?: string; version?: string };
}

/** Registers the artifact routes; every body is taken raw, whatever its content type, up to max_artifact_bytes. */
export function artifactRoutes(app: FastifyInstance, deps: HubDeps, done: (err?: Error) => void): void {
  const bodyLimit = deps.config.max_artifact_bytes;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));

  app.put<ArtifactRequest>(HUB_ROUTES.artifact, { bodyLimit }, async (request) => {
    const path = checkPath(request.query.path);
    const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    checkContent(deps, request.params.label, path, bytes);
    return commitOne(deps, request, { op: 'put', path, content: bytes, ...baseVersionOf(request) });
  });

  app.delete<ArtifactRequest>(HUB_ROUTES.artifact, async (request) => {
    const path = checkPath(request.query.path);
    return commitOne(deps, request, { op: 'delete', path, ...baseVersionOf(request) });
  });

  app.get<ArtifactRequest>(HUB_ROUTES.artifact, async (request, reply) => {
    const path = checkPath(request.query.path);
    const version = parseOptionalInt(request.query.version, 'version');
    const { entry, content } = await deps.store.versionContent(request.params.label, path, version);
    return reply
      .type('application/octet-stream')
      .header(HUB_HEADERS.version, String(entry.version))
      .header(HUB_HEADERS.sha256, entry.sha256)
      .send(content);
  });
  done();
}

async function commitOne(deps: HubDeps, request: FastifyRequest<ArtifactRequest>, change: StoreChange): Promise<PutResult> {
  const requestId = headerOf(request, HUB_HEADERS.requestId);
  const outcome = await commitChanges(deps, request.params.label, requestNode(request), requestId, [change]);
  const item = outcome.items[0];
  if (item?.refused !== undefined) throw new ConflictError(item.refused.code, item.refused.message, { subject: change.path });
  if (item?.result === undefined) throw new ArtisyncError('ARTISYNC_INTERNAL', `no result for ${change.path}`, { subject: change.path });
  return item.result;
}

function baseVersionOf(request: FastifyRequest): { baseVersion?: number } {
  const baseVersion = parseOptionalInt(headerOf(request, HUB_HEADERS.baseVersion), HUB_HEADERS.baseVersion);
  return baseVersion === undefined ? {} : { baseVersion };
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
