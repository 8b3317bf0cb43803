// A gateway fsyncs every folder a stream entry renamed into or removed from, and only then acknowledges the entry.
import * as nodeFs from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consumerGroupName, redisKeys } from '../../core/redis-keys.js';
import { waitFor } from '../support/wait-for.js';
import { useGatewaySuite, type HarnessOptions } from './gateway-harness.js';

const LABEL = 'Production and Sandbox';
const API = 'synapse-configs/default/api/admin--PizzaShackAPI_v1.0.0.xml';
const EP = 'synapse-configs/default/endpoints/ep.xml';
const OLD = 'synapse-configs/default/sequences/old.xml';

const suite = useGatewaySuite('artisync-fsync-', [LABEL]);

/** One recorded call: a rename or removal of `path`, or a folder fsync with the ids then pending in the group. */
interface FsCall {
  op: 'rename' | 'rm' | 'fsync-folder';
  path: string;
  pending?: string[];
}

/** Ids delivered to gw-1 and not acknowledged; none before the gateway created its group. */
async function pendingIds(): Promise<string[]> {
  try {
    const rows = (await suite.client.xpending(redisKeys.stream(LABEL), consumerGroupName('gw-1'), '-', '+', 100)) as Array<[string, ...unknown[]]>;
    return rows.map((row) => row[0]);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('NOGROUP')) return [];
    throw err;
  }
}

/** node:fs/promises with every rename, removal and folder fsync recorded; a folder fsync also notes XPENDING. */
function recordingFs(calls: FsCall[]): NonNullable<HarnessOptions['fs']> {
  return {
    ...nodeFs,
    rename: async (from: string, to: string) => {
      await nodeFs.rename(from, to);
      calls.push({ op: 'rename', path: to });
    },
    rm: async (path: string, options: { force: true }) => {
      await nodeFs.rm(path, options);
      if (!path.includes('.artisync-')) calls.push({ op: 'rm', path });
    },
    open: async (path: string, flags: string, mode?: number) => {
      const handle = await nodeFs.open(path, flags, mode);
      if (!(await handle.stat()).isDirectory()) return handle;
      const sync = async (): Promise<void> => {
        await handle.sync();
        calls.push({ op: 'fsync-folder', path, pending: await pendingIds() });
      };
      return new Proxy(handle, {
        get: (target, prop) => {
          if (prop === 'sync') return sync;
          const value: unknown = Reflect.get(target, prop);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
    },
  };
}

describe('folder fsync before the acknowledgement', () => {
  it('fsyncs each folder after its rename or removal, while the entry is still pending in the group', async () => {
    const calls: FsCall[] = [];
    const gateway = await suite.start({ fs: recordingFs(calls) });
    await suite.seeder.commit(LABEL, [{ path: OLD, content: '<sequence name="old"/>' }]);
    const server = join(suite.dir, 'server');
    await waitFor(async () => (await readFile(join(server, OLD), 'utf8').catch(() => null)) !== null && gateway.isReady(), { message: 'first entry applied' });
    await waitFor(async () => (await pendingIds()).length === 0, { message: 'first entry acknowledged' });
    calls.length = 0;
    const revision = await suite.seeder.commit(LABEL, [{ path: API, content: '<api v="1"/>' }, { path: EP, content: '<endpoint/>' }, { path: OLD }]);
    await waitFor(async () => (await pendingIds()).length === 0 && (await readFile(join(server, API), 'utf8').catch(() => null)) === '<api v="1"/>', { message: 'entry applied and acknowledged' });
    const touched = calls.filter((call) => call.op !== 'fsync-folder' && call.path.startsWith(server));
    expect(touched.map((call) => call.path).sort()).toEqual([API, EP, OLD].map((path) => join(server, path)).sort());
    for (const change of touched) {
      const at = calls.indexOf(change);
      const sync = calls.slice(at + 1).find((call) => call.op === 'fsync-folder' && call.path === dirname(change.path));
      expect(sync, `fsync of ${dirname(change.path)} after ${change.op} ${change.path}`).toBeDefined();
      expect(sync?.pending, `${revision} pending when ${dirname(change.path)} was fsynced`).toContain(revision);
    }
  });
});
