// splitChanges, pushChanges and backoffDelayMs: batches cut by items and bytes; a changeset without an answer is told
// apart from one that never reached the hub; delays grow, are jittered and capped.
import { describe, expect, it } from 'vitest';
import { pushChanges, splitChanges, type PreparedChange, type PublisherHub } from '../../../agent/publisher/changeset-pusher.js';
import { ArtisyncError, UnavailableError } from '../../../core/errors.js';
import type { ChangesetRequest, ChangesetResponse } from '../../../core/hub-api.js';
import { backoffDelayMs } from '../../../core/retry-backoff.js';

const put = (i: number, size: number): PreparedChange => ({ path: `executionplans/p${i}.siddhiql`, op: 'put', bytes: Buffer.alloc(size), sha256: 'x' });

describe('splitChanges', () => {
  it('cuts by item count', () => {
    const groups = splitChanges(Array.from({ length: 7 }, (_, i) => put(i, 1)), { maxItems: 3, maxBytes: 1000 });
    expect(groups.map((group) => group.length)).toEqual([3, 3, 1]);
  });

  it('cuts by bytes and sends an oversized change alone', () => {
    const groups = splitChanges([put(0, 40), put(1, 40), put(2, 200), put(3, 10)], { maxItems: 100, maxBytes: 100 });
    expect(groups.map((group) => group.map((change) => change.path))).toEqual([
      ['executionplans/p0.siddhiql', 'executionplans/p1.siddhiql'],
      ['executionplans/p2.siddhiql'],
      ['executionplans/p3.siddhiql'],
    ]);
  });
});

// A hub that answers the first `answered` changesets and then fails with `error`.
function failingHub(answered: number, error: Error): PublisherHub & { sent: ChangesetRequest[] } {
  const sent: ChangesetRequest[] = [];
  return {
    sent,
    pushChangeset: (_label: string, changeset: ChangesetRequest): Promise<ChangesetResponse> => {
      sent.push(changeset);
      if (sent.length > answered) return Promise.reject(error);
      const results = changeset.changes.map((change, index) => ({ path: change.path, op: change.op, status: 200, result: { path: change.path, version: index + 1, sha256: 'x', revision: '1-0', unchanged: false, conflict: false } }));
      return Promise.resolve({ revision: '1-0', results } as ChangesetResponse);
    },
    snapshot: () => Promise.reject(new Error('not used')),
  };
}

const paths = (changes: PreparedChange[] | undefined): string[] => (changes ?? []).map((change) => change.path);
const refused = (): Error => new UnavailableError('ARTISYNC_HUB_UNREACHABLE', 'hub unreachable', { cause: new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }) });
const reset = (): Error => new UnavailableError('ARTISYNC_HUB_UNREACHABLE', 'hub unreachable', { cause: new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }) });

describe('pushChanges', () => {
  const changes = Array.from({ length: 5 }, (_, i) => put(i, 1));
  const limits = { maxItems: 2, maxBytes: 1000 };

  it('keeps the answers before a failed changeset; a reply lost after sending leaves that changeset uncertain', async () => {
    const outcome = await pushChanges(failingHub(1, reset()), 'L', changes, limits);
    expect(paths(outcome.applied.map(({ change }) => change))).toEqual(paths(changes.slice(0, 2)));
    expect(paths(outcome.failure?.uncertain)).toEqual(paths(changes.slice(2, 4)));
    expect(paths(outcome.failure?.unsent)).toEqual(paths(changes.slice(4)));
  });

  it('takes a refused connection or a 4xx as never sent, and reports no failure when every changeset is answered', async () => {
    for (const error of [refused(), new ArtisyncError('ARTISYNC_BAD_REQUEST', 'bad')]) {
      const outcome = await pushChanges(failingHub(0, error), 'L', changes, limits);
      expect(outcome.failure?.uncertain).toEqual([]);
      expect(paths(outcome.failure?.unsent)).toEqual(paths(changes));
    }
    expect((await pushChanges(failingHub(9, reset()), 'L', changes, limits)).failure).toBeUndefined();
  });

  it('takes a 5xx answer (ARTISYNC_NOT_DURABLE too) or an unknown error as possibly committed, so it is sent again', async () => {
    for (const error of [new UnavailableError('ARTISYNC_HUB_UNREACHABLE', 'answered 503'), new UnavailableError('ARTISYNC_NOT_DURABLE', 'committed, not yet durable'), new SyntaxError('bad JSON')]) {
      const outcome = await pushChanges(failingHub(0, error), 'L', changes, limits);
      expect(paths(outcome.failure?.uncertain)).toEqual(paths(changes.slice(0, 2)));
    }
  });
});

describe('backoffDelayMs', () => {
  it('doubles, stays within [half, full] of the step, and is capped', () => {
    const options = { baseMs: 100, capMs: 1000 };
    expect(backoffDelayMs(0, options, () => 0)).toBe(50);
    expect(backoffDelayMs(0, options, () => 1)).toBe(100);
    expect(backoffDelayMs(2, options, () => 1)).toBe(400);
    expect(backoffDelayMs(50, options, () => 1)).toBe(1000);
  });
});
