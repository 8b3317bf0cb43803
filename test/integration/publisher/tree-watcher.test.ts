// TreeWatcher on a real temp tree: hints for the synced trees only, and the fallback to polling on ENOSPC.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { watch, type ChokidarOptions } from 'chokidar';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TreeWatcher } from '../../../agent/publisher/tree-watcher.js';
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

function start(options: { watch?: typeof watch } = {}) {
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
});
