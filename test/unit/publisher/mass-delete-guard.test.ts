// Unit tests of the runtime mass-deletion guard: shares, the window, holds, their release and their end.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MassDeleteGuard } from '../../../agent/publisher/mass-delete-guard.js';

const LABEL = 'Prod';

function makeGuard(share = 0.5): { guard: MassDeleteGuard; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  return { guard: new MassDeleteGuard({ share, windowMs: 60_000, logger: pino({ level: 'silent' }), now: () => clock.now }), clock };
}

const paths = (count: number, prefix = 'api/a'): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i}.xml`);

describe('MassDeleteGuard', () => {
  it('sends deletes up to the share and holds a wave beyond it', () => {
    const { guard } = makeGuard();
    expect(guard.admit(LABEL, paths(5), 10, [])).toHaveLength(5);
    const { guard: other } = makeGuard();
    expect(other.admit(LABEL, paths(6), 10, [])).toEqual([]);
    expect(other.report(false)).toEqual([{ label: LABEL, count: 6, artifacts: 10, since: 1_000_000 }]);
  });

  it('counts deletes sent within the window and paths still in their grace', () => {
    const { guard } = makeGuard();
    expect(guard.admit(LABEL, paths(3, 'a'), 10, [])).toHaveLength(3);
    expect(guard.admit(LABEL, paths(3, 'b'), 7, [])).toEqual([]);
    const { guard: later, clock: laterClock } = makeGuard();
    later.admit(LABEL, paths(3, 'a'), 10, []);
    laterClock.now += 61_000;
    expect(later.admit(LABEL, paths(3, 'b'), 7, [])).toHaveLength(3);
    expect(makeGuard().guard.admit(LABEL, paths(1), 10, paths(5, 'w'))).toEqual([]);
  });

  it('forgets a creation once the window passes, but not one made again since', () => {
    const { guard, clock } = makeGuard();
    for (const path of paths(10)) guard.noteCreated(LABEL, path);
    clock.now += 30_000;
    guard.noteCreated(LABEL, 'api/a0.xml');
    clock.now += 31_000;
    // a1..a9 were created before the window and their deletes count; a0 was created again 31 s ago, so its delete
    // only undoes that.
    expect(guard.admit(LABEL, paths(5).slice(1), 10, [])).toEqual(paths(5).slice(1));
    expect(guard.admit(LABEL, ['api/a5.xml'], 6, [])).toEqual([]);
    expect(guard.admit(LABEL, ['api/a0.xml'], 6, [])).toEqual(['api/a0.xml']);
  });

  it('admits again a delete it sent within the window (the hub lost it) without counting it twice', () => {
    const { guard } = makeGuard();
    expect(guard.admit(LABEL, paths(1), 3, [])).toHaveLength(1);
    expect(guard.admit(LABEL, paths(1), 3, [])).toEqual(paths(1));
    expect(guard.report(false)).toEqual([]);
  });

  it('drops a hold once every held path is back, and releases it on confirm', () => {
    const { guard } = makeGuard();
    guard.admit(LABEL, paths(8), 10, []);
    for (const path of paths(8)) guard.returned(LABEL, path);
    expect(guard.report(false)).toEqual([]);
    guard.admit(LABEL, paths(8), 10, []);
    expect(guard.confirm(LABEL)).toEqual(paths(8).sort());
    expect(guard.admit(LABEL, paths(8), 10, [])).toHaveLength(8);
    expect(guard.confirm(LABEL)).toEqual([]);
  });

  it('does not count files created within the window, and is off at 1', () => {
    const { guard } = makeGuard();
    for (const path of paths(10, 'old/')) guard.noteCreated(LABEL, path);
    expect(guard.admit(LABEL, paths(10), 20, [])).toEqual([]);
    expect(guard.admit(LABEL, paths(10, 'old/'), 20, [])).toHaveLength(10);
    expect(makeGuard(1).guard.admit(LABEL, paths(10), 10, [])).toHaveLength(10);
  });
});
