// Failures of background jobs (record saves, folder watches and reads): logged once per outage, counted every time.
import type { Logger } from 'pino';

/** Where every background failure is counted (agent-metrics.ts). */
export interface BackgroundFailureMetrics {
  countBackgroundFailure(job: string): void;
}

/**
 * Tracks which (job, subject) pairs are failing, so a job retried every second logs its first failure and its
 * recovery, not one line per attempt, while the metric still counts each attempt.
 */
export class BackgroundFailures {
  private readonly failing = new Set<string>();

  constructor(private readonly logger: Logger, private readonly metrics: BackgroundFailureMetrics) {}

  /** Counts a failure of `job` on `subject` (a path or file); logs it unless that pair was already failing. */
  fail(job: string, subject: string, err: unknown, message: string): void {
    this.metrics.countBackgroundFailure(job);
    const key = `${job}\n${subject}`;
    if (this.failing.has(key)) return;
    this.failing.add(key);
    this.logger.error({ err, job, subject }, message);
  }

  /** Marks `job` on `subject` healthy again, logging the recovery when it had been failing. */
  ok(job: string, subject: string): void {
    if (this.failing.delete(`${job}\n${subject}`)) this.logger.info({ job, subject }, `${job} works again`);
  }
}
