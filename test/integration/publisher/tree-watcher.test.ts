// TreeWatcher on a real temp tree: hints for the synced trees only, folders that appear, vanish or are replaced, and
// the fallback to polling on ENOSPC.
import * as nodeFs from 'node:fs';
import { access, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackgroundFailures } from '../../../agent/background-failures.js';
import { TreeWatcher, type TreeWatcherOptions } from '../../../agent/publisher/tree-watcher.js';
import { makeTempDir, removeTempDir, writeTree } from '../../support/temp-tree.js';
import { waitFor } from '../../support/wait-for.js';

const API = 'synapse-configs/default/api';

let root: string;
let outside: string;
let watcher: TreeWatcher | undefined;

beforeEach(async () => {
  root = await makeTempDir('artisync-watch-');
  outside = await makeTempDir('artisync-watch-outside-');
  await mkdir(join(root, API), { recursive: true });
  await mkdir(join(root, 'webapps'), { recursive: true });
});

afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  await removeTempDir(root);
  await removeTempDir(outside);
});

type StartOptions = Partial<Pick<TreeWatcherOptions, 'watch' | 'access' | 'failures' | 'logger' | 'rootPollMs' | 'pollMs'>>;

function start(options: StartOptions = {}) {
  const seen = { paths: [] as string[], folders: [] as string[], rescans: 0 };
  watcher = new TreeWatcher(
    { serverRoot: root, isIgnoredPath: (path) => path.split('/').some((name) => name.startsWith('.')), logger: pino({ level: 'silent' }), ...options },
    { onPath: (path) => seen.paths.push(path), onFolder: (folder) => seen.folders.push(folder), onRescan: () => (seen.rescans += 1) },
  );
  return { seen, started: watcher.start() };
}

/** fs.watch, recording every folder watched, the listener given for it, and whether the watch is still open. */
function recordingWatch(failOnCall?: number) {
  const opened: Array<{ path: string; listener: nodeFs.WatchListener<string>; closed: boolean }> = [];
  const watch = ((path: string, options: nodeFs.WatchOptions, listener: nodeFs.WatchListener<string>) => {
    if (opened.length + 1 === failOnCall) throw Object.assign(new Error(`ENOSPC: System limit for number of file watchers reached, watch '${path}'`), { code: 'ENOSPC' });
    const entry = { path, listener, closed: false };
    opened.push(entry);
    const instance = nodeFs.watch(path, options, listener);
    instance.once('close', () => (entry.closed = true));
    return instance;
  }) as typeof nodeFs.watch;
  return { opened, watch };
}

describe('TreeWatcher', () => {
  it('reports paths in the synced trees, never ignored names nor other folders', async () => {
    const { seen, started } = start();
    await started;
    await writeFile(join(root, 'webapps/x.xml'), '<x/>');
    await writeFile(join(root, `${API}/.a.xml.swp`), 'swap');
    await writeFile(join(root, `${API}/a.xml`), '<api/>');
    await mkdir(join(root, 'executionplans'));
    await waitFor(() => seen.paths.includes(`${API}/a.xml`) && seen.folders.includes('executionplans'));
    expect(seen.paths.filter((path) => path.includes('webapps') || path.includes('.swp'))).toEqual([]);
  });

  it('sees a save that renames a temp file over an existing file', async () => {
    await writeFile(join(root, `${API}/a.xml`), '<api/>');
    const { seen, started } = start();
    await started;
    await writeFile(join(root, `${API}/.a.xml.tmp`), '<api version="2"/>');
    await rename(join(root, `${API}/.a.xml.tmp`), join(root, `${API}/a.xml`));
    await waitFor(() => seen.paths.includes(`${API}/a.xml`), { message: 'the renamed-over file reported' });
    expect(seen.paths.filter((path) => path.includes('.tmp'))).toEqual([]);
  });

  it('reports a folder moved in with files written before it was watched, once its sub-folders are watched too', async () => {
    await writeTree(outside, { 'sequences/s1.xml': '<sequence/>', 'sequences/nested/s2.xml': '<sequence/>' });
    const { seen, started } = start();
    await started;
    await rename(join(outside, 'sequences'), join(root, 'synapse-configs/default/sequences'));
    await waitFor(() => seen.folders.includes('synapse-configs/default/sequences'), { message: 'the new folder reported' });
    // Reported only once watched: a file written now, even in the sub-folder, raises its own event.
    await writeFile(join(root, 'synapse-configs/default/sequences/nested/s3.xml'), '<sequence/>');
    await waitFor(() => seen.paths.includes('synapse-configs/default/sequences/nested/s3.xml'), { message: 'a write in the new sub-folder' });
  });

  it('finds a tree that appears after the start, through the folders above it', async () => {
    await removeTempDir(join(root, 'synapse-configs'));
    const { seen, started } = start();
    await started;
    await writeTree(root, { [`${API}/a.xml`]: '<api/>' });
    await waitFor(() => seen.folders.includes('synapse-configs'), { message: 'the new ancestor folder reported' });
    await writeFile(join(root, `${API}/b.xml`), '<api/>');
    await waitFor(() => seen.paths.includes(`${API}/b.xml`), { message: 'a write in the new tree' });
  });

  it('follows a whole-folder move: both names reported, the moved folder under its new name, a new folder under the old one', async () => {
    await writeFile(join(root, `${API}/a.xml`), '<api/>');
    const { seen, started } = start();
    await started;
    await rename(join(root, API), join(root, `${API}.old`));
    await waitFor(() => seen.folders.includes(API) && seen.folders.includes(`${API}.old`), { message: 'both folders reported' });
    seen.paths.length = 0;
    await writeFile(join(root, `${API}.old/a.xml`), '<api version="2"/>');
    await waitFor(() => seen.paths.includes(`${API}.old/a.xml`), { message: 'a write in the moved folder, under its new name' });
    expect(seen.paths).not.toContain(`${API}/a.xml`);
    await mkdir(join(root, API));
    await waitFor(() => seen.folders.filter((folder) => folder === API).length === 2, { message: 'the recreated folder reported' });
    await writeFile(join(root, `${API}/b.xml`), '<api/>');
    await waitFor(() => seen.paths.includes(`${API}/b.xml`), { message: 'a write in the recreated folder' });
  });

  it('never watches a dotted folder nor reports what happens in it', async () => {
    const { opened, watch } = recordingWatch();
    const { seen, started } = start({ watch });
    await started;
    await writeTree(root, { [`${API}/.git/objects/o1`]: 'blob', [`${API}/.git/HEAD`]: 'ref' });
    await writeFile(join(root, `${API}/.git/HEAD`), 'ref 2');
    // Events of one folder arrive in order: once the marker's is in, the dotted folder's would have been too.
    await writeFile(join(root, `${API}/marker.xml`), '<api/>');
    await waitFor(() => seen.paths.includes(`${API}/marker.xml`), { message: 'the marker' });
    expect(opened.map((entry) => entry.path)).toEqual([root, 'synapse-configs', 'synapse-configs/default', API].map((path) => (path === root ? root : join(root, path))));
    expect([...seen.paths, ...seen.folders].filter((path) => path.includes('.git'))).toEqual([]);
  });

  it('takes an event whose name the kernel dropped as a rescan of that folder, or of everything at the server root', async () => {
    const { opened, watch } = recordingWatch();
    const { seen, started } = start({ watch });
    await started;
    opened.find((entry) => entry.path === join(root, API))?.listener('rename', null);
    expect(seen.folders).toEqual([API]);
    opened.find((entry) => entry.path === root)?.listener('rename', null);
    expect(seen.rescans).toBe(1);
  });

  it('falls back to polling when the kernel runs out of inotify watches, warns naming the sysctl, and still sees changes', async () => {
    await writeTree(root, { [`${API}/a.xml`]: '<api/>', [`${API}/gone.xml`]: '<api/>' });
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const { opened, watch } = recordingWatch(3);
    const { seen, started } = start({ watch, logger, pollMs: 20 });
    await started;
    await waitFor(() => seen.rescans === 1, { message: 'rescan after the fallback' });
    expect(lines.filter((line) => line.sysctl === 'fs.inotify.max_user_watches' && String(line.msg).includes('falling back to polling'))).toHaveLength(1);
    expect(opened.map((entry) => entry.closed)).toEqual([true, true]);
    await writeFile(join(root, `${API}/polled.xml`), '<api/>');
    await writeFile(join(root, `${API}/.a.xml.tmp`), '<api version="2"/>');
    await rename(join(root, `${API}/.a.xml.tmp`), join(root, `${API}/a.xml`));
    await unlink(join(root, `${API}/gone.xml`));
    const changed = [`${API}/polled.xml`, `${API}/a.xml`, `${API}/gone.xml`];
    await waitFor(() => changed.every((path) => seen.paths.includes(path)), { message: 'an add, a save and a delete seen by polling' });
    expect(seen.paths.filter((path) => path.includes('.tmp'))).toEqual([]);
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
    await writeFile(join(root, `${API}/b.xml`), '<api/>');
    await waitFor(() => seen.paths.includes(`${API}/b.xml`), { message: 'change seen' });
  });
});
