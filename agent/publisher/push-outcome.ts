// Between the known heads and the hub: the change a file's disk state makes against a label's head, and what the
// hub's answers change (known heads, conflicts kept for the heartbeat, refusals reported like invalid files).
import type { Logger } from 'pino';
import type { Assessment } from './file-assessment.js';
import type { InvalidRegistry } from './invalid-registry.js';
import type { KnownHeads } from './known-heads.js';
import type { MassDeleteGuard } from './mass-delete-guard.js';
import type { PreparedChange, PushOutcome } from './changeset-pusher.js';

/** A disk state to publish. */
export type Publishable = Extract<Assessment, { kind: 'put' | 'delete' }>;

/** A conflict the hub answered, as the heartbeat lists it. */
export interface PublisherConflict {
  path: string;
  label: string;
  at: number;
}

// Hub versions start at 1, so 0 marks a head whose content is known but whose version is not.
export const UNKNOWN_VERSION = 0;
const MAX_CONFLICTS_KEPT = 100;

/** The change `assessment` makes to `label`'s head of `path`; none when the hub already holds it. */
export function changesFor(known: KnownHeads, guard: MassDeleteGuard, label: string, path: string, assessment: Publishable): PreparedChange[] {
  const head = known.get(label, path);
  // After a change that got no answer the head's version is unknown, and a lost put may have created a head to delete.
  const uncertain = known.isUncertain(label, path);
  const base = head === undefined || head.version === UNKNOWN_VERSION || uncertain ? {} : { baseVersion: head.version };
  if (assessment.kind === 'put') {
    guard.returned(label, path);
    if (head?.sha256 === assessment.sha256 && !uncertain) return [];
    return [{ path, op: 'put', bytes: assessment.bytes, sha256: assessment.sha256, ...base }];
  }
  if (head === undefined && !uncertain) return [];
  return [{ path, op: 'delete', sha256: null, ...base }];
}

/** What the hub's answers update. */
export interface OutcomeTarget {
  known: KnownHeads;
  guard: MassDeleteGuard;
  invalid: InvalidRegistry;
  conflicts: ConflictLog;
  logger: Logger;
}

/** Applies the hub's answers for `label`; paths refused with a 5xx are added to `retry`. */
export function applyOutcome(target: OutcomeTarget, label: string, outcome: PushOutcome, retry: Set<string>): void {
  const { known, logger } = target;
  const answered = [...outcome.applied, ...outcome.conflicts, ...outcome.refused.filter(({ status }) => status < 500)];
  for (const { change } of answered) known.settleUncertain(label, change.path);
  for (const { change, result } of outcome.applied) {
    if (change.op === 'delete') known.remove(label, change.path);
    else {
      if (known.get(label, change.path) === undefined) target.guard.noteCreated(label, change.path);
      known.set(label, change.path, { version: result.version, sha256: result.sha256 });
    }
    if (!result.unchanged) logger.info({ label, path: change.path, op: change.op, version: result.version, revision: result.revision }, 'artifact published');
  }
  for (const { change, message } of outcome.conflicts) {
    logger.warn({ label, path: change.path, baseVersion: change.baseVersion, reason: message }, 'hub refused the change as a conflict; the local file is kept');
    target.conflicts.note({ path: change.path, label, at: Date.now() });
  }
  for (const { change, status, code, message } of outcome.refused) {
    if (status >= 500) retry.add(change.path);
    else if (change.sha256 !== null) target.invalid.note(change.path, change.sha256, [{ code, severity: 'error', line: 0, column: 0, message }]);
    logger.warn({ label, path: change.path, status, code, reason: message }, 'hub refused the change');
  }
  if (outcome.revisions.length > 0) logger.debug({ label, revisions: outcome.revisions, items: outcome.applied.length }, 'changeset committed');
}

/** The latest conflicts, oldest dropped first. */
export class ConflictLog {
  private readonly kept: PublisherConflict[] = [];

  note(conflict: PublisherConflict): void {
    this.kept.push(conflict);
    if (this.kept.length > MAX_CONFLICTS_KEPT) this.kept.shift();
  }

  /** A copy of the kept conflicts, oldest first. */
  list(): PublisherConflict[] {
    return [...this.kept];
  }
}
