// PendingJournal: round trip, empty start, atomic replace, refusal of a foreign file (memfs).
import { Volume, createFsFromVolume } from 'memfs';
import { describe, expect, it } from 'vitest';
import type { StateFs } from '../../../agent/gateway/json-state-file.js';
import { PendingJournal } from '../../../agent/publisher/pending-journal.js';

function memFs(): { fs: StateFs; vol: InstanceType<typeof Volume> } {
  const vol = new Volume();
  return { fs: createFsFromVolume(vol).promises as unknown as StateFs, vol };
}

describe('PendingJournal', () => {
  it('starts empty when there is no journal yet', async () => {
    const { fs } = memFs();
    expect(await new PendingJournal(fs, '/state').load()).toEqual({ pending: [], known: {} });
  });

  it('returns what was saved, the last save winning, and leaves no temp file', async () => {
    const { fs, vol } = memFs();
    const journal = new PendingJournal(fs, '/state/deep');
    const first = journal.save({ pending: ['executionplans/a.siddhiql'], known: {} });
    const second = journal.save({ pending: ['executionplans/b.siddhiql'], known: { L: { 'executionplans/b.siddhiql': [3, 'ab'] } } });
    await Promise.all([first, second]);
    const loaded = await new PendingJournal(fs, '/state/deep').load();
    expect(loaded).toEqual({ pending: ['executionplans/b.siddhiql'], known: { L: { 'executionplans/b.siddhiql': [3, 'ab'] } } });
    expect(Object.keys(vol.toJSON())).toEqual(['/state/deep/publisher-journal.json']);
  });

  it('refuses a file in another format, naming it', async () => {
    const { fs, vol } = memFs();
    vol.fromJSON({ '/state/publisher-journal.json': '{"format":99}' });
    await expect(new PendingJournal(fs, '/state').load()).rejects.toThrow(/publisher-journal\.json/);
  });

  it('refuses a file that is not JSON, naming it', async () => {
    const { fs, vol } = memFs();
    vol.fromJSON({ '/state/publisher-journal.json': '{"format":1,"pend' });
    await expect(new PendingJournal(fs, '/state').load()).rejects.toMatchObject({ code: 'ARTISYNC_STATE_FILE_INVALID', subject: '/state/publisher-journal.json' });
  });
});
