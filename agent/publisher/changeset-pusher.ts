// Sends prepared changes to one label as changesets (cut to size) and sorts the hub's per-item answers.
import { randomUUID } from 'node:crypto';
import { splitIntoBatches, type BatchLimits } from '../../core/changeset-batches.js';
import { ArtisyncError, InternalError, UnavailableError } from '../../core/errors.js';
import type { ChangesetRequest, ChangesetResponse, PutResult } from '../../core/hub-api.js';

/** The hub calls the publisher makes (HubClient has them). */
export interface PublisherHub {
  pushChangeset(label: string, changeset: ChangesetRequest): Promise<ChangesetResponse>;
  snapshot(label: string): Promise<{ revision: string; artifacts: Array<{ path: string; version: number; sha256: string }> }>;
}

/** One change ready to send. */
export interface PreparedChange {
  path: string;
  op: 'put' | 'delete';
  /** Content of a put. */
  bytes?: Buffer;
  /** sha256 of a put's content; null for a delete. */
  sha256: string | null;
  baseVersion?: number;
}

/** Limits of one changeset request. */
export type ChangesetLimits = BatchLimits;

/** What became of the pushed changes. */
export interface PushOutcome {
  /** Committed or unchanged: the hub's head now matches the change. */
  applied: Array<{ change: PreparedChange; result: PutResult }>;
  /** Refused with 409 under conflict_policy = "reject". */
  conflicts: Array<{ change: PreparedChange; message: string }>;
  /** Refused for another reason (validation, path): not retried until the file changes. */
  refused: Array<{ change: PreparedChange; status: number; code: string; message: string }>;
  revisions: string[];
  /** Set when a changeset got no answer; its changes and those after it are to be retried. */
  failure?: PushFailure;
}

/** A changeset that got no answer, and what that leaves unknown. */
export interface PushFailure {
  error: unknown;
  /** Sent without an answer: the hub may have committed them (a reply lost to a reset, a timeout, a 5xx after the commit). */
  uncertain: PreparedChange[];
  /** Known not to have reached the hub: not sent, refused at connect, or refused with a 4xx. */
  unsent: PreparedChange[];
}

/** Cuts changes into groups of at most `maxItems` items and about `maxBytes` of content (a bigger file goes alone). */
export function splitChanges(changes: PreparedChange[], limits: ChangesetLimits): PreparedChange[][] {
  return splitIntoBatches(changes, (change) => change.bytes?.length ?? 0, limits);
}

/**
 * Pushes changes to a label, one changeset per group, stopping at the first that gets no answer (`failure`);
 * the answers of the groups before it are kept, so what the hub committed is never taken for unsent.
 */
export async function pushChanges(hub: PublisherHub, label: string, changes: PreparedChange[], limits: ChangesetLimits): Promise<PushOutcome> {
  const outcome: PushOutcome = { applied: [], conflicts: [], refused: [], revisions: [] };
  const groups = splitChanges(changes, limits);
  for (const [index, group] of groups.entries()) {
    let response: ChangesetResponse;
    try {
      response = await hub.pushChangeset(label, { requestId: randomUUID(), changes: group.map(toChangeItem) });
    } catch (error) {
      const rest = groups.slice(index + 1).flat();
      outcome.failure = neverReachedHub(error) ? { error, uncertain: [], unsent: [...group, ...rest] } : { error, uncertain: group, unsent: rest };
      return outcome;
    }
    if (response.revision !== null) outcome.revisions.push(response.revision);
    sortResults(group, response, outcome);
  }
  return outcome;
}

/** True when the error proves the hub did not commit: it refused the connection or answered a 4xx. */
function neverReachedHub(error: unknown): boolean {
  // A hub error (500) may come after the commit script ran, so those changes count as uncertain.
  if (error instanceof ArtisyncError && !(error instanceof UnavailableError) && !(error instanceof InternalError)) return true;
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ECONNREFUSED') return true;
  }
  return false;
}

function toChangeItem(change: PreparedChange): ChangesetRequest['changes'][number] {
  return {
    op: change.op,
    path: change.path,
    ...(change.bytes === undefined ? {} : { content: change.bytes }),
    ...(change.baseVersion === undefined ? {} : { baseVersion: change.baseVersion }),
  };
}

function sortResults(group: PreparedChange[], response: ChangesetResponse, outcome: PushOutcome): void {
  const byPath = new Map(response.results.map((result) => [result.path, result]));
  for (const change of group) {
    const item = byPath.get(change.path);
    if (item?.result !== undefined && item.status < 300) {
      outcome.applied.push({ change, result: item.result });
    } else if (item?.status === 409) {
      outcome.conflicts.push({ change, message: item.error?.message ?? 'edit based on a version other than the head' });
    } else {
      const status = item?.status ?? 500;
      const message = item?.error?.message ?? 'the hub gave no result for this item';
      outcome.refused.push({ change, status, code: item?.error?.code ?? 'ARTISYNC_INTERNAL', message });
    }
  }
}
