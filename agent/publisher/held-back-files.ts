// Files the publisher does not push yet: invalid ones (reported once per content) and incomplete ones, read again
// with a growing delay until they are whole or stay truncated long enough to count as broken.
import type { Logger } from 'pino';
import { backoffDelayMs } from '../../core/retry-backoff.js';
import type { Assessment } from './file-assessment.js';
import { InvalidRegistry, type FileIssue } from './invalid-registry.js';

const INCOMPLETE_RETRY = { baseMs: 200, capMs: 5_000 };
// After this many retries with unchanged content, a "truncated" file is taken to be broken, not still being written.
const INCOMPLETE_GIVE_UP = 8;

/** The invalid and incomplete files; `recheck` marks a path to be read again. */
export class HeldBackFiles {
  readonly invalid = new InvalidRegistry();
  private readonly incomplete = new Map<string, { timer: NodeJS.Timeout; attempts: number; sha256: string }>();

  constructor(private readonly deps: { logger: Logger; recheck: (path: string) => void }) {}

  /** Holds back a file that is neither a put nor a delete: reports it if invalid, reads it again later if incomplete. */
  holdBack(path: string, assessment: Assessment): void {
    if (assessment.kind === 'invalid') return this.reportInvalid(path, assessment.sha256, assessment.issues);
    if (assessment.kind !== 'incomplete') return;
    const previous = this.incomplete.get(path);
    const attempts = previous?.sha256 === assessment.sha256 ? previous.attempts + 1 : 0;
    if (attempts >= INCOMPLETE_GIVE_UP) {
      this.incomplete.delete(path);
      return this.reportInvalid(path, assessment.sha256, [{ code: 'ARTISYNC_INCOMPLETE', severity: 'error', line: 0, column: 0, message: 'file stays truncated' }]);
    }
    const delayMs = backoffDelayMs(attempts, INCOMPLETE_RETRY, () => 1);
    this.deps.logger.debug({ path, sha256: assessment.sha256, retryInMs: delayMs }, 'incomplete file: waiting for the rest');
    const timer = setTimeout(() => this.deps.recheck(path), delayMs);
    this.incomplete.set(path, { timer, attempts, sha256: assessment.sha256 });
  }

  /** The path changed on disk: its timed re-read is not needed (the change brings it back), its attempts are kept. */
  cancelRecheck(path: string): void {
    const waiting = this.incomplete.get(path);
    if (waiting !== undefined) clearTimeout(waiting.timer);
  }

  /** The path is being pushed: it is neither invalid nor incomplete any more. */
  release(path: string): void {
    this.invalid.clear(path);
    this.incomplete.delete(path);
  }

  /** Stops every timed re-read. */
  stop(): void {
    for (const { timer } of this.incomplete.values()) clearTimeout(timer);
  }

  private reportInvalid(path: string, sha256: string, issues: FileIssue[]): void {
    if (!this.invalid.note(path, sha256, issues)) return;
    const issue = issues.find((candidate) => candidate.severity === 'error') ?? issues[0];
    this.deps.logger.warn({ path, line: issue?.line, column: issue?.column, code: issue?.code, reason: issue?.message }, 'invalid artifact not published');
  }
}
