// Reads of whole labels and blobs: snapshot, digest, last versions, the label list and a blob by sha256.
import type { FastifyInstance } from 'fastify';
import { ArtisyncError, NotFoundError } from '../../core/errors.js';
import { HUB_HEADERS, HUB_ROUTES, type DigestReply, type Snapshot, type VersionsReply } from '../../core/hub-api.js';
import type { HubDeps } from '../hub-deps.js';

const SHA256 = /^[0-9a-f]{64}$/;

/** Registers snapshot, digest, versions, labels and blob. */
export function labelRoutes(app: FastifyInstance, deps: HubDeps, done: (err?: Error) => void): void {
  app.get<{ Params: { label: string } }>(HUB_ROUTES.snapshot, async (request): Promise<Snapshot> => deps.store.snapshot(request.params.label));

  app.get<{ Params: { label: string } }>(HUB_ROUTES.digest, async (request): Promise<DigestReply> => deps.store.digest(request.params.label));

  app.get<{ Params: { label: string } }>(HUB_ROUTES.versions, async (request): Promise<VersionsReply> => deps.store.versions(request.params.label));

  app.get(HUB_ROUTES.labels, async (): Promise<string[]> => deps.store.labels());

  app.get<{ Params: { sha256: string } }>(HUB_ROUTES.blob, async (request, reply) => {
    const { sha256 } = request.params;
    if (!SHA256.test(sha256)) throw new ArtisyncError('ARTISYNC_BAD_REQUEST', `${JSON.stringify(sha256)} is not a lowercase sha256`, { subject: sha256 });
    const content = await deps.store.blob(sha256);
    if (content === undefined) throw new NotFoundError('ARTISYNC_NOT_FOUND', `no blob ${sha256}`, { subject: sha256 });
    return reply.type('application/octet-stream').header(HUB_HEADERS.sha256, sha256).send(content);
  });
  done();
}
