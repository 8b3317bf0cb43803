// The one registry of artisync error codes: each has an HTTP status and a section in docs/errors.md.

/** Every stable error code, with the HTTP status a hub answers it with. */
export const ERROR_CODES = {
  ARTISYNC_PATH_ESCAPES_TREE: 400,
  ARTISYNC_PATH_INVALID: 400,
  ARTISYNC_PATH_OUTSIDE_TREES: 400,
  ARTISYNC_BAD_REQUEST: 400,
  ARTISYNC_UNAUTHORIZED: 401,
  ARTISYNC_SCOPE_PUBLISH: 403,
  ARTISYNC_SCOPE_ADMIN: 403,
  ARTISYNC_NODE_MISMATCH: 403,
  ARTISYNC_NODE_ACTIVE: 409,
  ARTISYNC_NOT_FOUND: 404,
  ARTISYNC_CONFLICT: 409,
  ARTISYNC_TOO_LARGE: 413,
  ARTISYNC_UNSUPPORTED_MEDIA_TYPE: 415,
  ARTISYNC_INCOMPLETE: 422,
  ARTISYNC_CONTENT_INVALID: 422,
  ARTISYNC_EMPTY: 422,
  ARTISYNC_XML_MALFORMED: 422,
  ARTISYNC_XML_DOCTYPE: 422,
  ARTISYNC_XML_ENTITY: 422,
  ARTISYNC_XML_PROCESSING_INSTRUCTION: 422,
  ARTISYNC_XML_NO_ROOT: 422,
  ARTISYNC_XML_MULTIPLE_ROOTS: 422,
  ARTISYNC_XML_WRONG_ROOT: 422,
  ARTISYNC_ENCODING_INVALID: 422,
  ARTISYNC_ENCODING_UNSUPPORTED: 422,
  ARTISYNC_SIDDHI_NO_PLAN: 422,
  ARTISYNC_CARBON_APP_INVALID: 422,
  ARTISYNC_NAME_MISMATCH: 200,
  ARTISYNC_NAMESPACE_MISSING: 200,
  ARTISYNC_PLAN_NAME_MISMATCH: 200,
  ARTISYNC_MASS_DELETE_REFUSED: 409,
  ARTISYNC_CONFIG_INVALID: 400,
  ARTISYNC_HUB_UNREACHABLE: 503,
  ARTISYNC_REDIS_UNAVAILABLE: 503,
  ARTISYNC_NOT_DURABLE: 503,
  ARTISYNC_STREAM_TRIMMED: 409,
  ARTISYNC_ADMIN_UNREACHABLE: 503,
  ARTISYNC_NODE_UNKNOWN: 404,
  ARTISYNC_LABEL_UNKNOWN: 404,
  ARTISYNC_TIME_IN_FUTURE: 400,
  ARTISYNC_REVISION_AHEAD: 409,
  ARTISYNC_STATE_DIR_LOCKED: 409,
  ARTISYNC_DEPLOY_FAILED: 409,
  ARTISYNC_STATE_FILE_INVALID: 500,
  ARTISYNC_INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Base of every error artisync raises on purpose; `code` is stable, `subject` names the path, key or request at fault. */
export class ArtisyncError extends Error {
  readonly code: ErrorCode;
  readonly subject: string | undefined;

  constructor(code: ErrorCode, message: string, options: { subject?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.subject = options.subject;
  }

  /** The HTTP status a hub answers this error with. */
  get httpStatus(): number {
    return ERROR_CODES[this.code];
  }
}

/** A path that is not a safe artifact path. */
export class PathError extends ArtisyncError {}

/** An artifact's content that must not travel. */
export class ValidationError extends ArtisyncError {}

/** A configuration key that is unknown, of the wrong type or missing. */
export class ConfigError extends ArtisyncError {}

/** An edit based on a version other than the head, refused under `conflict_policy = "reject"`. */
export class ConflictError extends ArtisyncError {}

/** Something asked for that does not exist. */
export class NotFoundError extends ArtisyncError {}

/** A dependency (hub, Redis, admin API) that cannot be reached. */
export class UnavailableError extends ArtisyncError {}

/** A fault of the hub itself (a bug, a Redis reply it did not expect): retried, but reported as what it is. */
export class InternalError extends ArtisyncError {}

type ErrorClass = new (code: ErrorCode, message: string, options?: { subject?: string; cause?: unknown }) => ArtisyncError;

const CLASS_BY_STATUS: Partial<Record<number, ErrorClass>> = { 404: NotFoundError, 409: ConflictError, 422: ValidationError, 500: InternalError, 503: UnavailableError };

/** The class an error of `code` is raised as, so a client rebuilds the hub's error from its code alone. */
export function errorClassOf(code: ErrorCode): ErrorClass {
  if (code.startsWith('ARTISYNC_PATH_')) return PathError;
  if (code === 'ARTISYNC_CONFIG_INVALID') return ConfigError;
  // Warning codes (status 200) come from the validator, like the 422 ones.
  if (ERROR_CODES[code] === 200) return ValidationError;
  return CLASS_BY_STATUS[ERROR_CODES[code]] ?? ArtisyncError;
}

/** True when `value` is an ArtisyncError with the given code. */
export function hasErrorCode(value: unknown, code: ErrorCode): value is ArtisyncError {
  return value instanceof ArtisyncError && value.code === code;
}
