// TreeWatcher on a real temp tree: hints for the synced trees only, and the fallback to polling on ENOSPC.
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { watch, type ChokidarOptions } from 'chokidar';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackgroundFailures } from '../../../agent/background-failures.js';
import { TreeWatcher, type TreeWatcherOptions } from '../../../agent/publisher/tree-watcher.js';
import { makeTempDir, removeTempDir } from '../../support/temp-tree.js';
import { waitFor } from '../../support/wait-for.js';

let root: string;
let watcher: TreeWatcher | undefined;

beforeEach(async () => {
  root = await makeTempDir('artisync-watch-');
  await mkdir(join(root, 'synapse-configs/default/api'), { recursive: true });
  await mkdir(join(root, 'webapps'), { recursive: true });
});

afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  await removeTempDir(root);
});

function start(options: Partial<Pick<TreeWatcherOptions, 'watch' | 'access' | 'failures' | 'logger' | 'rootPollMs'>> = {}) {
  const seen = { paths: [] as string[], folders: [] as string[], rescans: 0 };
  watcher = new TreeWatcher(
    { serverRoot: root, isIgnoredPath: (path) => path.split('/').some((name) => name.startsWith('.')), logger: pino({ level: 'silent' }), ...options },
    { onPath: (path) => seen.paths.push(path), onFolder: (folder) => seen.folders.push(folder), onRescan: () => (seen.rescans += 1) },
  );
  return { seen, started: watcher.start() };
}

describe('TreeWatcher', () => {
  it('reports paths in the synced trees, never ignored names nor other folders', async () => {
    const { seen, started } = start();
    await started;
    await writeFile(join(root, 'webapps/x.xml'), '<x/>');
    await writeFile(join(root, 'synapse-configs/default/api/.a.xml.swp'), 'swap');
    await writeFile(join(root, 'synapse-configs/default/api/a.xml'), '<api/>');
    await mkdir(join(root, 'executionplans'));
    await waitFor(() => seen.paths.includes('synapse-configs/default/api/a.xml') && seen.folders.includes('executionplans'));
    expect(seen.paths.filter((path) => path.includes('webapps') || path.includes('.swp'))).toEqual([]);
  });

  it('falls back to polling when the kernel runs out of inotify watches, and still sees changes', async () => {
    const calls: ChokidarOptions[] = [];
    const failing: typeof watch = (paths, options = {}) => {
      calls.push(options);
      const instance = watch(paths, options);
      if (calls.length === 1) {
        instance.once('ready', () => instance.emit('error', Object.assign(new Error('watch ENOSPC'), { code: 'ENOSPC' })));
      }
      return instance;
    };
    const { seen, started } = start({ watch: failing });
    await started;
    await waitFor(() => seen.rescans === 1, { message: 'rescan after the fallback' });
    expect(calls.map((options) => options.usePolling)).toEqual([false, true]);
    await writeFile(join(root, 'synapse-configs/default/api/polled.xml'), '<api/>');
    await waitFor(() => seen.paths.includes('synapse-configs/default/api/polled.xml'), { message: 'change seen by polling' });
  });

  it('reports a server root it may not enter once, as unreachable (not as missing), and watches once access returns', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const counted: string[] = [];
    let denied = true;
    // Run as root, chmod cannot deny access: the one failing call is injected, the filesystem is real.
    const guarded = (path: string): Promise<void> => (denied ? Promise.reject(Object.assign(new Error(`EACCES: permission denied, access '${path}'`), { code: 'EACCES' })) : access(path));
    const { seen, started } = start({ access: guarded, logger, rootPollMs: 20, failures: new BackgroundFailures(logger, { countBackgroundFailure: (job) => void counted.push(job) }) });
    await started;
    await waitFor(() => counted.length >= 3, { message: 'polls counted' });
    expect(new Set(counted)).toEqual(new Set(['server-root']));
    expect(lines.filter((line) => String(line.msg).includes('does not exist yet'))).toEqual([]);
    expect(lines.filter((line) => line.job === 'server-root' && line.level === 50)).toHaveLength(1);
    denied = false;
    await waitFor(() => seen.rescans === 1, { message: 'watching once access returned' });
    await writeFile(join(root, 'synapse-configs/default/api/b.xml'), '<api/>');
    await waitFor(() => seen.paths.includes('synapse-configs/default/api/b.xml'), { message: 'change seen' });
  });
});
