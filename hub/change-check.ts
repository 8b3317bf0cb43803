// The hub's checks on one incoming change, before anything reaches Redis: safe path, size, valid content.
import type { Logger } from 'pino';
import { parseArtifactPath, type ArtifactPath } from '../core/artifact-path.js';
import { ArtisyncError, ERROR_CODES, type ErrorCode } from '../core/errors.js';
import { ContentRejectedError } from './error-reply.js';
import type { ValidateArtifact } from './hub-deps.js';

/** What checkContent needs from the app's deps. */
export interface ContentCheckDeps {
  validate: ValidateArtifact;
  logger: Logger;
  config: { max_artifact_bytes: number };
}

/** Parses a path from a query or body; a missing one is a bad request, an unsafe one a PathError (400). */
export function checkPath(raw: unknown): ArtifactPath {
  if (typeof raw !== 'string') throw new ArtisyncError('ARTISYNC_BAD_REQUEST', 'the artifact path is missing (query parameter or field "path")');
  return parseArtifactPath(raw);
}

/** Refuses content over the size limit (413) or invalid (422 with issues); logs warnings and lets them through. */
export function checkContent(deps: ContentCheckDeps, label: string, path: ArtifactPath, bytes: Uint8Array): void {
  const max = deps.config.max_artifact_bytes;
  if (bytes.length > max) {
    throw new ArtisyncError('ARTISYNC_TOO_LARGE', `${path} is ${bytes.length} bytes, over max_artifact_bytes ${max}`, { subject: path });
  }
  const verdict = deps.validate(path, bytes, { maxArtifactBytes: max });
  const warnings = verdict.issues.filter((issue) => issue.severity === 'warning');
  if (warnings.length > 0) deps.logger.warn({ label, path, issues: warnings }, 'artifact accepted with warnings');
  if (verdict.ok) return;
  const errors = verdict.issues.filter((issue) => issue.severity === 'error');
  const first = errors[0];
  const code: ErrorCode = verdict.incomplete ? 'ARTISYNC_INCOMPLETE' : refusalCode(first?.code);
  const where = first === undefined ? '' : `:${first.line}:${first.column}: ${first.message}`;
  const issues = verdict.issues.map(({ code: issueCode, severity, line, column, message }) => ({ code: issueCode, severity, line, column, message }));
  throw new ContentRejectedError(code, `${path}${where}`, issues, path);
}

// A validator error whose code maps to no 4xx status (or none at all) still refuses the content, as a 422.
function refusalCode(code: ErrorCode | undefined): ErrorCode {
  return code !== undefined && ERROR_CODES[code] >= 400 ? code : 'ARTISYNC_CONTENT_INVALID';
}
