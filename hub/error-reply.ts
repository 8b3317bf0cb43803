// Turns anything a route throws into SPEC's ErrorBody and status; fastify's own errors get artisync codes too.
import type { FastifyError, FastifyInstance } from 'fastify';
import { ArtisyncError, ERROR_CODES, ValidationError, type ErrorCode } from '../core/errors.js';
import type { ErrorBody } from '../core/hub-api.js';
import type { HubMetrics } from './hub-metrics.js';

type Issue = NonNullable<ErrorBody['error']['issues']>[number];

/** Invalid content: carries the validator's issues so the reply lists them. */
export class ContentRejectedError extends ValidationError {
  constructor(code: ErrorCode, message: string, readonly issues: Issue[], subject: string) {
    super(code, message, { subject });
  }
}

/** The ErrorBody of an ArtisyncError. */
export function toErrorBody(err: ArtisyncError): ErrorBody {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  if (err.subject !== undefined) body.error.subject = err.subject;
  if (err instanceof ContentRejectedError) body.error.issues = err.issues;
  return body;
}

/** An ArtisyncError for whatever was thrown: fastify's parser and limit errors keep their 4xx meaning. */
export function asArtisyncError(err: unknown): ArtisyncError {
  if (err instanceof ArtisyncError) return err;
  const fastifyError = err as Partial<FastifyError>;
  const message = fastifyError.message ?? String(err);
  const status = fastifyError.statusCode ?? 500;
  if (status === 413) return new ArtisyncError('ARTISYNC_TOO_LARGE', `request body too large: ${message}`);
  if (status === 415) return new ArtisyncError('ARTISYNC_UNSUPPORTED_MEDIA_TYPE', message);
  if (status === 404) return new ArtisyncError('ARTISYNC_NOT_FOUND', message);
  if (status >= 400 && status < 500) return new ArtisyncError('ARTISYNC_BAD_REQUEST', message);
  return new ArtisyncError('ARTISYNC_INTERNAL', `internal error: ${message}`, { cause: err });
}

/** Installs the error and not-found handlers on the root app (route plugins inherit them). */
export function registerErrorReplies(app: FastifyInstance, metrics: HubMetrics): void {
  app.setErrorHandler(async (err, request, reply) => {
    const mapped = asArtisyncError(err);
    const status = ERROR_CODES[mapped.code] >= 400 ? ERROR_CODES[mapped.code] : 500;
    if (status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: mapped.code, subject: mapped.subject }, 'request refused');
    metrics.rejects.inc({ code: mapped.code });
    return reply.code(status).type('application/json').send(toErrorBody(mapped));
  });
  app.setNotFoundHandler(async (request, reply) => {
    const body: ErrorBody = { error: { code: 'ARTISYNC_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}` } };
    return reply.code(404).send(body);
  });
}
