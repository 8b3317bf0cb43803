// The one place Redis failures become typed errors (hub and gateway alike), so a raw ReplyError never leaves our Redis code.
import { ArtisyncError, ConflictError, UnavailableError } from '../core/errors.js';

/** Maps whatever a Redis call threw to an ArtisyncError, naming the operation and subject. */
export function mapRedisError(err: unknown, operation: string, subject?: string): Error {
  if (err instanceof ArtisyncError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const isReply = err instanceof Error && err.name === 'ReplyError';
  if (!isReply) {
    return new UnavailableError('ARTISYNC_REDIS_UNAVAILABLE', `Redis unavailable during ${operation}: ${message}`, { subject, cause: err });
  }
  if (message.startsWith('CONFLICT')) {
    return new ConflictError('ARTISYNC_CONFLICT', `${operation}: ${message.slice('CONFLICT'.length).trim()}`, { subject, cause: err });
  }
  if (message.startsWith('WRONGTYPE')) {
    return new ArtisyncError('ARTISYNC_INTERNAL', `${operation} found a Redis key of the wrong type: ${message}`, { subject, cause: err });
  }
  return new ArtisyncError('ARTISYNC_INTERNAL', `${operation} failed in Redis: ${message}`, { subject, cause: err });
}

/** True when Redis answered with an error reply of this kind (`NOGROUP`, `BUSYGROUP`, …): an answer, not an outage. */
export function isReplyOf(err: unknown, kind: string): boolean {
  return err instanceof Error && err.name === 'ReplyError' && err.message.startsWith(kind);
}
