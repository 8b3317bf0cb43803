// The last line of `artisync verify`: "in sync" only when nothing differs, overrides included.
import { describe, expect, it } from 'vitest';
import { verifySummary } from '../../cli/commands/verify.js';

const empty = { ok: true, revisions: { Prod: '5-0' }, missing: [], stale: [], extra: [], overridden: [] };

describe('verifySummary', () => {
  it('says in sync, with the hub revisions compared, only when nothing differs', () => {
    expect(verifySummary(empty)).toBe('in sync: 0 missing, 0 stale, 0 extra, 0 overridden (hub Prod@5-0)');
  });

  it('names overrides instead of saying in sync', () => {
    expect(verifySummary({ ...empty, ok: false, overridden: ['a', 'b'] })).toBe('in sync except 2 overrides: 0 missing, 0 stale, 0 extra, 2 overridden (hub Prod@5-0)');
  });

  it('says drift when anything is missing, stale or extra, overrides or not', () => {
    expect(verifySummary({ ...empty, ok: false, stale: ['a'], overridden: ['b'] })).toBe('drift: 0 missing, 1 stale, 0 extra, 1 overridden (hub Prod@5-0)');
  });
});
