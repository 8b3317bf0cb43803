// The publisher's failed pushes: the backoff before the next try, the last error for the heartbeat, and a hub error
// logged once per run of failures (then only counted, so a hub bug does not flood the log).
import type { Logger } from 'pino';
import { InternalError, UnavailableError } from '../../core/errors.js';
import { backoffDelayMs } from '../../core/retry-backoff.js';
import type { PublisherMetrics } from '../agent-role.js';

const RETRY = { baseMs: 250, capMs: 30_000 };

/** What the failure bookkeeping logs to and counts in. */
export interface PushFailureDeps {
  logger: Logger;
  random?: () => number;
  metrics?: PublisherMetrics;
}

/** Consecutive failures of the publisher's flushes and pushes. */
export class PushFailures {
  private failures = 0;
  private hubErrorLogged = false;
  private retryAt = 0;
  private last: string | undefined;

  constructor(private readonly deps: PushFailureDeps) {}

  /** The message of the last failure, until a push succeeds. */
  get lastError(): string | undefined {
    return this.last;
  }

  /** How long until pushing may be tried again (0: now). */
  waitMs(): number {
    return Math.max(0, this.retryAt - Date.now());
  }

  /** A flush threw: logs it and returns how long to wait before the next flush. */
  noteFlushFailure(err: unknown): number {
    this.last = messageOf(err);
    this.deps.logger.error({ err }, 'publisher flush failed');
    return backoffDelayMs(this.failures++, RETRY, this.deps.random ?? Math.random);
  }

  /** A push to `label` failed with `pending` paths still dirty: no push is tried before the backoff has passed. */
  notePushFailure(label: string, err: unknown, pending: number): void {
    this.last = messageOf(err);
    const delayMs = backoffDelayMs(this.failures, RETRY, this.deps.random ?? Math.random);
    this.failures += 1;
    this.retryAt = Date.now() + delayMs;
    if (err instanceof InternalError) {
      this.deps.metrics?.countHubError(err.code);
      if (!this.hubErrorLogged) this.deps.logger.error({ label, err, code: err.code, retryInMs: delayMs, pending }, 'hub error; changes kept pending and retried');
      this.hubErrorLogged = true;
      return;
    }
    const unreachable = err instanceof UnavailableError;
    this.deps.logger.warn({ label, err, retryInMs: delayMs, pending }, unreachable ? 'hub unreachable; changes kept pending' : 'push failed; will retry');
  }

  /** The startup sync failed (it retries on its own schedule): the heartbeat shows why. */
  noteSyncFailure(err: unknown): void {
    this.last = messageOf(err);
  }

  /** Every push of a flush reached the hub. */
  noteSuccess(): void {
    this.failures = 0;
    this.hubErrorLogged = false;
    this.last = undefined;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
