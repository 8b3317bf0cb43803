// The applied record and the override list on an in-memory fs: own-write checks across a crash window, persistence.
import { describe, expect, it } from 'vitest';
import { memfs } from 'memfs';
import { AppliedRecord } from '../../agent/gateway/applied-record.js';
import type { StateFs } from '../../agent/gateway/json-state-file.js';
import { OverrideTracker } from '../../agent/gateway/override-tracker.js';

const API = 'synapse-configs/default/api/a.xml';

function stateFs(): StateFs {
  const { fs } = memfs({ '/state': null }, '/');
  return fs.promises as unknown as StateFs;
}

describe('AppliedRecord', () => {
  it('treats both the old and the new content as its own while a changeset is in flight, only the new one after', async () => {
    const record = await AppliedRecord.load(stateFs(), '/state');
    expect(record.existed).toBe(false);
    record.set(API, { label: 'L', version: 1, sha256: 'old' });
    record.stage(API, 'L', 2, 'new');
    expect(record.isOwn(API, 'old')).toBe(true);
    expect(record.isOwn(API, 'new')).toBe(true);
    record.commit([API]);
    expect(record.isOwn(API, 'old')).toBe(false);
    expect(record.isOwn(API, 'new')).toBe(true);
    expect(record.isOwn(API, 'hand edit')).toBe(false);
  });

  it('knows a removal as its own (sha256 null) and a never-written path as not', async () => {
    const record = await AppliedRecord.load(stateFs(), '/state');
    record.set(API, { label: 'L', version: 1, sha256: 'a' });
    record.stage(API, 'L', 2, null);
    record.commit([API]);
    expect(record.isOwn(API, null)).toBe(true);
    expect(record.isOwn('executionplans/p.siddhiql', null)).toBe(false);
  });

  it('puts back what a called-off rename would have replaced, and forgets a path it had never written', async () => {
    const fs = stateFs();
    const record = await AppliedRecord.load(fs, '/state');
    const NEW = 'synapse-configs/default/endpoints/e.xml';
    record.set(API, { label: 'L', version: 1, sha256: 'old' });
    const before = record.get(API);
    record.stage(API, 'L', 2, 'new');
    record.stage(NEW, 'L', 1, 'e1');
    await record.saveIntent();
    record.unstage(API, before);
    record.unstage(NEW, undefined);
    expect(record.get(API)).toEqual({ label: 'L', version: 1, sha256: 'old' });
    expect(record.isOwn(API, 'new')).toBe(false);
    expect(record.get(NEW)).toBeUndefined();
    await record.save();
    const reloaded = await AppliedRecord.load(fs, '/state');
    expect(reloaded.get(API)).toEqual({ label: 'L', version: 1, sha256: 'old' });
    expect(reloaded.paths()).toEqual([API]);
  });

  it('recovers a changeset in flight from the small journal alone, without a full save', async () => {
    const fs = stateFs();
    const first = await AppliedRecord.load(fs, '/state');
    first.set(API, { label: 'L', version: 1, sha256: 'old' });
    await first.save();
    first.stage(API, 'L', 2, 'new');
    await first.saveIntent();
    const afterCrash = await AppliedRecord.load(fs, '/state');
    expect(afterCrash.isOwn(API, 'old')).toBe(true);
    expect(afterCrash.isOwn(API, 'new')).toBe(true);
    afterCrash.commit([API]);
    await afterCrash.save();
    expect(String(await fs.readFile('/state/applied-journal.jsonl'))).toBe('');
    const settled = await AppliedRecord.load(fs, '/state');
    expect(settled.isOwn(API, 'old')).toBe(false);
    expect(settled.get(API)).toEqual({ label: 'L', version: 2, sha256: 'new' });
  });

  it('survives a restart, staged prior included', async () => {
    const fs = stateFs();
    const first = await AppliedRecord.load(fs, '/state');
    first.set(API, { label: 'L', version: 1, sha256: 'old' });
    first.stage(API, 'L', 2, 'new');
    first.extras.set('executionplans/legacy.siddhiql', 'x');
    await first.save();
    const second = await AppliedRecord.load(fs, '/state');
    expect(second.existed).toBe(true);
    expect(second.isOwn(API, 'old')).toBe(true);
    expect(second.get(API)).toMatchObject({ version: 2, sha256: 'new' });
    expect(second.extras.get('executionplans/legacy.siddhiql')).toBe('x');
  });
});

/** The memfs calls a test uses to play a crash's leftovers. */
function raw(fs: StateFs): { appendFile(path: string, text: string): Promise<void>; writeFile(path: string, text: string): Promise<void> } {
  return fs as unknown as ReturnType<typeof raw>;
}

describe('the applied journal', () => {
  it('appends one line per intent, not the whole record, and replays the lines in order after a crash', async () => {
    const fs = stateFs();
    const record = await AppliedRecord.load(fs, '/state');
    const OTHER = 'synapse-configs/default/api/b.xml';
    record.stage(API, 'L', 1, 'a1');
    await record.saveIntent();
    record.commit([API]);
    record.stage(OTHER, 'L', 1, 'b1');
    await record.saveIntent();
    record.stage(API, 'L', 2, 'a2');
    await record.saveIntent();
    const lines = String(await fs.readFile('/state/applied-journal.jsonl')).trim().split('\n').map((line) => JSON.parse(line) as { entries: object });
    expect(lines.map((line) => Object.keys(line.entries))).toEqual([[API], [API, OTHER], [API]]);
    const afterCrash = await AppliedRecord.load(fs, '/state');
    expect(afterCrash.existed).toBe(false);
    expect(afterCrash.get(API)).toEqual({ label: 'L', version: 2, sha256: 'a2', priorSha256: 'a1' });
    expect(afterCrash.get(OTHER)).toMatchObject({ version: 1, sha256: 'b1' });
  });

  it('drops a torn last line, rewrites the journal before appending, and keeps a forgotten path forgotten', async () => {
    const fs = stateFs();
    const record = await AppliedRecord.load(fs, '/state');
    const NEW = 'synapse-configs/default/endpoints/e.xml';
    record.set(API, { label: 'L', version: 1, sha256: 'old' });
    record.stage(NEW, 'L', 1, 'e1');
    await record.saveIntent();
    record.unstage(NEW, undefined);
    await record.saveIntent();
    await raw(fs).appendFile('/state/applied-journal.jsonl', '{"seq":9,"entries":{"synapse-configs/default/api/a.x');
    const reloaded = await AppliedRecord.load(fs, '/state');
    expect(reloaded.get(API)).toEqual({ label: 'L', version: 1, sha256: 'old' });
    expect(reloaded.get(NEW)).toBeUndefined();
    expect(String(await fs.readFile('/state/applied-journal.jsonl')).endsWith('}\n')).toBe(true);
    reloaded.stage(API, 'L', 2, 'new');
    await reloaded.saveIntent();
    expect((await AppliedRecord.load(fs, '/state')).get(API)).toMatchObject({ version: 2, sha256: 'new' });
  });

  it('skips lines a full save already holds, and takes over the whole-file journal of earlier versions', async () => {
    const fs = stateFs();
    const record = await AppliedRecord.load(fs, '/state');
    record.stage(API, 'L', 1, 'a1');
    await record.saveIntent();
    const stale = String(await fs.readFile('/state/applied-journal.jsonl'));
    record.stage(API, 'L', 2, 'a2');
    record.commit([API]);
    await record.save();
    // A crash between writing applied.json and emptying the journal leaves the old line behind.
    await raw(fs).writeFile('/state/applied-journal.jsonl', stale);
    expect((await AppliedRecord.load(fs, '/state')).get(API)).toEqual({ label: 'L', version: 2, sha256: 'a2' });
    await raw(fs).writeFile('/state/applied-journal.json', JSON.stringify({ [API]: { label: 'L', version: 3, sha256: 'a3' } }));
    const upgraded = await AppliedRecord.load(fs, '/state');
    expect(upgraded.get(API)).toEqual({ label: 'L', version: 3, sha256: 'a3' });
    await expect(fs.readFile('/state/applied-journal.json')).rejects.toThrow();
    expect((await AppliedRecord.load(fs, '/state')).get(API)).toMatchObject({ version: 3 });
  });
});

describe('OverrideTracker', () => {
  it('keeps held paths, their kind and the newest hub version across a restart', async () => {
    const fs = stateFs();
    const tracker = await OverrideTracker.load(fs, '/state');
    expect(tracker.hold(API, 'changed', 'h1', 10)).toBe(true);
    expect(tracker.hold(API, 'changed', 'h2', 20)).toBe(false);
    tracker.recordHubVersion(API, 'L', 5);
    tracker.recordHubVersion(API, 'L', 4);
    await tracker.save();
    const again = await OverrideTracker.load(fs, '/state');
    expect(again.list()).toEqual([{ path: API, kind: 'changed', sha256: 'h2', since: 10, hubVersion: 5, hubLabel: 'L' }]);
    expect(again.clearAll()).toEqual([API]);
    expect(again.has(API)).toBe(false);
  });
});
