// Applying a changeset on an in-memory fs: temps first, renames in deploy order, deletes last, temps never deployable.
import { describe, expect, it } from 'vitest';
import { memfs } from 'memfs';
import { atomicWrite, tempPathFor, type AtomicFs } from '../../agent/fs/atomic-write.js';
import { materialize, orderByRank } from '../../agent/gateway/materializer.js';

const ROOT = '/server';
const API = 'synapse-configs/default/api/PizzaShack.xml';
const EP1 = 'synapse-configs/default/endpoints/ep1.xml';
const EP2 = 'synapse-configs/default/endpoints/ep2.xml';
const OLD_API = 'synapse-configs/default/api/Old.xml';

// A stand-in for core's deployRank: endpoints (building blocks) before api.
const rankOf = (path: string): number => (path.includes('/api/') ? 10 : 1);

interface Recorded {
  fs: AtomicFs;
  calls: string[];
  volume: ReturnType<typeof memfs>['vol'];
}

function recordingFs(files: Record<string, string> = {}, failOpenAfter = Number.POSITIVE_INFINITY, folderSyncError?: Error): Recorded {
  const { fs, vol } = memfs(files, '/');
  const calls: string[] = [];
  let opens = 0;
  const promises = fs.promises;
  const folderHandle = async (path: string): Promise<Awaited<ReturnType<AtomicFs['open']>>> => {
    const handle = (await promises.open(path, 'r')) as unknown as Awaited<ReturnType<AtomicFs['open']>>;
    return {
      writeFile: (data) => handle.writeFile(data),
      close: () => handle.close(),
      sync: async () => {
        if (folderSyncError !== undefined) throw folderSyncError;
        calls.push(`fsync-folder ${path}`);
        await handle.sync();
      },
    };
  };
  const wrapped: AtomicFs = {
    mkdir: (path, options) => promises.mkdir(path, options),
    open: async (path, flags, mode) => {
      // A folder is opened read-only, only to fsync it.
      if (flags === 'r') return folderHandle(path);
      opens += 1;
      if (opens > failOpenAfter) throw Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' });
      calls.push(`temp ${path}`);
      return (await promises.open(path, flags, mode)) as unknown as Awaited<ReturnType<AtomicFs['open']>>;
    },
    rename: async (from, to) => {
      calls.push(`rename ${to}`);
      await promises.rename(from, to);
    },
    rm: async (path, options) => {
      calls.push(`rm ${path}`);
      await promises.rm(path, options);
    },
  };
  return { fs: wrapped, calls, volume: vol };
}

describe('materialize', () => {
  it('writes every temp before the first rename, renames endpoints before the api, and deletes last', async () => {
    const { fs, calls, volume } = recordingFs({ [`${ROOT}/${OLD_API}`]: '<api name="Old"/>' });
    const plan = {
      writes: [API, EP1, EP2].map((path) => ({ path, data: Buffer.from(`<x path="${path}"/>`) })),
      removes: [OLD_API],
    };
    await materialize(plan, { fs, serverRoot: ROOT, rankOf, writeConcurrency: 2 });
    const firstRename = calls.findIndex((call) => call.startsWith('rename'));
    expect(calls.slice(0, firstRename).every((call) => call.startsWith('temp'))).toBe(true);
    expect(calls.filter((call) => call.startsWith('rename'))).toEqual([`rename ${ROOT}/${EP1}`, `rename ${ROOT}/${EP2}`, `rename ${ROOT}/${API}`]);
    const rmAt = calls.indexOf(`rm ${ROOT}/${OLD_API}`);
    expect(calls.filter((call) => !call.startsWith('fsync-folder'))[calls.length - 3]).toBe(`rm ${ROOT}/${OLD_API}`);
    // Each folder that got a rename or a removal is fsynced after the last of them, before materialize resolves.
    expect(calls.slice(rmAt + 1).sort()).toEqual([`fsync-folder ${ROOT}/synapse-configs/default/api`, `fsync-folder ${ROOT}/synapse-configs/default/endpoints`]);
    expect(volume.readFileSync(`${ROOT}/${API}`, 'utf8')).toBe(`<x path="${API}"/>`);
    expect(volume.existsSync(`${ROOT}/${OLD_API}`)).toBe(false);
  });

  it('produces lazy contents one temp at a time, never more than writeConcurrency of them ahead of the writes', async () => {
    const { fs, volume } = recordingFs();
    const paths = Array.from({ length: 6 }, (_, index) => `synapse-configs/default/endpoints/ep${index}.xml`);
    const order: string[] = [];
    const plan = {
      writes: paths.map((path) => ({ path, data: () => {
        order.push(`decode ${path}`);
        return Buffer.from(`<x path="${path}"/>`);
      } })),
      removes: [],
    };
    const withDecodes: AtomicFs = { ...fs, open: (...args: Parameters<AtomicFs['open']>) => {
      order.push(`open ${args[0]}`);
      return fs.open(...args);
    } };
    await materialize(plan, { fs: withDecodes, serverRoot: ROOT, rankOf, writeConcurrency: 2 });
    for (const path of paths) expect(volume.readFileSync(`${ROOT}/${path}`, 'utf8')).toBe(`<x path="${path}"/>`);
    // Every decode happens inside the bounded write loop: never all six before the first temp is opened.
    const firstOpen = order.findIndex((entry) => entry.startsWith('open'));
    expect(order.slice(0, firstOpen).filter((entry) => entry.startsWith('decode')).length).toBeLessThanOrEqual(2);
    expect(order.filter((entry) => entry.startsWith('decode'))).toHaveLength(6);
  });

  it('calls beforeCommit after staging and before renaming', async () => {
    const { fs, calls } = recordingFs();
    await materialize({ writes: [{ path: EP1, data: Buffer.from('e') }], removes: [] }, { fs, serverRoot: ROOT, rankOf, writeConcurrency: 4 }, () => {
      calls.push('commit');
      return Promise.resolve();
    });
    expect(calls.map((call) => call.split(' ')[0])).toEqual(['temp', 'commit', 'rename', 'fsync-folder']);
  });

  it('renames the files of one rank at once and starts the next rank only when all of them are in place', async () => {
    const { fs } = recordingFs();
    const events: string[] = [];
    let releaseEndpoints = (): void => undefined;
    const endpointsHeld = new Promise<void>((resolve) => {
      releaseEndpoints = resolve;
    });
    const rename = (from: string, to: string): Promise<void> => fs.rename(from, to);
    const gated: AtomicFs = { ...fs, rename: async (from, to) => {
      events.push(`start ${to}`);
      if (!to.includes('/api/')) {
        if (events.filter((event) => event.startsWith('start') && event.includes('/endpoints/')).length === 2) releaseEndpoints();
        await endpointsHeld;
      }
      await rename(from, to);
      events.push(`done ${to}`);
    } };
    const plan = { writes: [API, EP1, EP2].map((path) => ({ path, data: Buffer.from('x') })), removes: [] };
    await materialize(plan, { fs: gated, serverRoot: ROOT, rankOf, writeConcurrency: 4 });
    // Both endpoint renames began before either finished (one waited for the other), and the api's began after both.
    expect(events.slice(0, 2).sort()).toEqual([`start ${ROOT}/${EP1}`, `start ${ROOT}/${EP2}`]);
    expect(events.indexOf(`start ${ROOT}/${API}`)).toBeGreaterThan(Math.max(events.indexOf(`done ${ROOT}/${EP1}`), events.indexOf(`done ${ROOT}/${EP2}`)));
  });

  it('leaves a path alone when mayReplace refuses it right before its rename or remove, and cleans its temp', async () => {
    const { fs, volume } = recordingFs({ [`${ROOT}/${API}`]: 'hand edit', [`${ROOT}/${OLD_API}`]: 'hand edit too' });
    const asked: string[] = [];
    const mayReplace = (path: string): Promise<boolean> => {
      asked.push(path);
      return Promise.resolve(path === EP1);
    };
    const plan = { writes: [API, EP1].map((path) => ({ path, data: Buffer.from('hub') })), removes: [OLD_API] };
    const refused = await materialize(plan, { fs, serverRoot: ROOT, rankOf, writeConcurrency: 2, mayReplace });
    expect(refused).toEqual([API, OLD_API]);
    expect(asked).toEqual([EP1, API, OLD_API]);
    expect(volume.readFileSync(`${ROOT}/${EP1}`, 'utf8')).toBe('hub');
    expect(volume.readFileSync(`${ROOT}/${API}`, 'utf8')).toBe('hand edit');
    expect(volume.readFileSync(`${ROOT}/${OLD_API}`, 'utf8')).toBe('hand edit too');
    expect(Object.keys(volume.toJSON()).filter((path) => path.includes('.artisync-'))).toEqual([]);
  });

  it('leaves targets untouched and removes its temps when staging fails', async () => {
    const { fs, volume } = recordingFs({ [`${ROOT}/${EP1}`]: 'old' }, 1);
    const plan = { writes: [EP1, EP2, API].map((path) => ({ path, data: Buffer.from('new') })), removes: [] };
    await expect(materialize(plan, { fs, serverRoot: ROOT, rankOf, writeConcurrency: 1 })).rejects.toThrow(/ENOSPC/);
    expect(volume.readFileSync(`${ROOT}/${EP1}`, 'utf8')).toBe('old');
    const left = Object.keys(volume.toJSON()).filter((path) => path.includes('.artisync-'));
    expect(left).toEqual([]);
  });

  it('fsyncs the folder of a removal too, and fails the batch when a folder fsync fails for real', async () => {
    const { fs, calls } = recordingFs({ [`${ROOT}/${OLD_API}`]: 'old' });
    await materialize({ writes: [], removes: [OLD_API] }, { fs, serverRoot: ROOT, rankOf, writeConcurrency: 1 });
    expect(calls).toEqual([`rm ${ROOT}/${OLD_API}`, `fsync-folder ${ROOT}/synapse-configs/default/api`]);
    const eio = Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    const failing = recordingFs({}, Number.POSITIVE_INFINITY, eio);
    await expect(materialize({ writes: [{ path: EP1, data: Buffer.from('e') }], removes: [] }, { fs: failing.fs, serverRoot: ROOT, rankOf, writeConcurrency: 1 })).rejects.toThrow(/EIO/);
    const unsupported = recordingFs({}, Number.POSITIVE_INFINITY, Object.assign(new Error('EINVAL: invalid argument, fsync'), { code: 'EINVAL' }));
    await expect(materialize({ writes: [{ path: EP1, data: Buffer.from('e') }], removes: [] }, { fs: unsupported.fs, serverRoot: ROOT, rankOf, writeConcurrency: 1 })).resolves.toEqual([]);
  });

  it('orders by rank, then name', () => {
    expect(orderByRank([API, EP2, EP1], rankOf)).toEqual([EP1, EP2, API]);
  });
});

describe('atomic write', () => {
  it('names temps .artisync-<random>.tmp in the target folder, never ending in .xml or .siddhiql', () => {
    const temp = tempPathFor('/server/executionplans/plan.siddhiql', 'abc');
    expect(temp).toBe('/server/executionplans/.artisync-abc.tmp');
    expect(tempPathFor('/server/synapse-configs/default/api/a.xml')).toMatch(/\/api\/\.artisync-[0-9a-f]{16}\.tmp$/);
  });

  it('replaces the target in one rename and leaves no temp behind', async () => {
    const { fs, calls, volume } = recordingFs({ '/d/a.xml': 'old' });
    await atomicWrite(fs, '/d/a.xml', Buffer.from('new'));
    expect(volume.readFileSync('/d/a.xml', 'utf8')).toBe('new');
    expect(calls.filter((call) => !call.startsWith('temp'))).toEqual(['rename /d/a.xml', 'fsync-folder /d']);
    expect(volume.readdirSync('/d')).toEqual(['a.xml']);
  });
});

describe('materialize with a filesystem flush', () => {
  it('flushes a big batch once, after every temp is written and before any rename; a small batch is not flushed', async () => {
    const { fs, calls, volume } = recordingFs();
    const flushes: string[][] = [];
    const syncFilesystem = (_folder: string, files: readonly string[]) => {
      calls.push('flush');
      flushes.push([...files]);
      return Promise.resolve();
    };
    const writes = Array.from({ length: 130 }, (_, i) => ({ path: `synapse-configs/default/api/a${i}.xml`, data: Buffer.from(`<api name="a${i}"/>`) }));
    await materialize({ writes, removes: [] }, { fs, serverRoot: ROOT, rankOf, writeConcurrency: 4, syncFilesystem });
    expect(flushes).toHaveLength(1);
    expect(flushes[0]).toHaveLength(130);
    const flushAt = calls.indexOf('flush');
    expect(calls.slice(0, flushAt).every((call) => call.startsWith('temp '))).toBe(true);
    expect(calls.slice(flushAt + 1, -1).every((call) => call.startsWith('rename '))).toBe(true);
    expect(calls[calls.length - 1]).toBe(`fsync-folder ${ROOT}/synapse-configs/default/api`);
    expect(volume.readFileSync(`${ROOT}/synapse-configs/default/api/a7.xml`, 'utf8')).toBe('<api name="a7"/>');
    await materialize({ writes: writes.slice(0, 2), removes: [] }, { fs, serverRoot: ROOT, rankOf, writeConcurrency: 4, syncFilesystem });
    expect(flushes).toHaveLength(1);
  });
});
