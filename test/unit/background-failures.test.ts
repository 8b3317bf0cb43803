// Background saves and watches on a real filesystem with one failing call injected: logged once per outage, counted each time.
import * as nodeFs from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackgroundFailures } from '../../agent/background-failures.js';
import { DEFAULT_TREES } from '../../core/artifact-path.js';
import { AppliedRecord } from '../../agent/gateway/applied-record.js';
import type { WatcherFs } from '../../agent/fs/folder-watcher.js';
import { handEditWatcher } from '../../agent/gateway/override-watcher.js';
import type { StateFs } from '../../agent/gateway/json-state-file.js';
import { makeTempDir, removeTempDir } from '../support/temp-tree.js';
import { waitFor } from '../support/wait-for.js';

const API = 'synapse-configs/default/api/a.xml';
const denied = (call: string, path: string): NodeJS.ErrnoException => Object.assign(new Error(`EACCES: permission denied, ${call} '${path}'`), { code: 'EACCES' });

let dir: string;
let logs: Array<Record<string, unknown>>;
let counted: string[];
let failures: BackgroundFailures;

beforeEach(async () => {
  dir = await makeTempDir('artisync-bg-');
  logs = [];
  counted = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  failures = new BackgroundFailures(logger, { countBackgroundFailure: (job) => void counted.push(job) });
});

afterEach(async () => {
  await removeTempDir(dir);
});

const errorsLogged = (job: string): number => logs.filter((line) => line.job === job && line.level === 50).length;

describe('background saves of the applied record', () => {
  it('logs a failing save once per outage, counts every attempt, and logs the recovery', async () => {
    let broken = false;
    const fs = { ...fsPromises, open: (path: string, flags: string, mode?: number) => (broken ? Promise.reject(denied('open', path)) : fsPromises.open(path, flags, mode)) } as unknown as StateFs;
    const record = await AppliedRecord.load(fs, dir);
    record.reportFailuresTo(failures);
    broken = true;
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      record.set(API, { label: 'L', version: attempt, sha256: 'a'.repeat(64) });
      record.saveSoon(0);
      await waitFor(() => counted.length === attempt, { message: `save ${attempt} counted` });
    }
    expect(counted).toEqual(['applied-record-save', 'applied-record-save', 'applied-record-save']);
    expect(errorsLogged('applied-record-save')).toBe(1);
    expect(logs.find((line) => line.level === 50)?.subject).toBe('applied.json');
    broken = false;
    record.saveSoon(0);
    await waitFor(() => logs.some((line) => line.msg === 'applied-record-save works again'), { message: 'recovery logged' });
    expect((await AppliedRecord.load(fsPromises as unknown as StateFs, dir)).get(API)).toMatchObject({ version: 3 });
  });
});

describe('the gateway folder watcher', () => {
  it('reports a folder it cannot list, and a watch that stops on error, instead of going quiet', async () => {
    await mkdir(join(dir, 'synapse-configs/default/api'), { recursive: true });
    await mkdir(join(dir, 'executionplans'), { recursive: true });
    const watchers = new Map<string, nodeFs.FSWatcher>();
    const fs: WatcherFs = {
      watch: ((path: string, options: nodeFs.WatchOptions, listener: nodeFs.WatchListener<string>) => {
        const watcher = nodeFs.watch(path, options, listener);
        watchers.set(path, watcher);
        return watcher;
      }) as typeof nodeFs.watch,
      readdir: (path, options) => (path.endsWith('/api') ? Promise.reject(denied('scandir', path)) : fsPromises.readdir(path, options)),
    };
    const watcher = handEditWatcher({ serverRoot: dir, trees: DEFAULT_TREES }, failures, () => undefined, fs);
    await watcher.start();
    try {
      expect(counted).toEqual(['folder-read']);
      expect(logs.find((line) => line.job === 'folder-read')).toMatchObject({ subject: 'synapse-configs/default/api', msg: 'cannot list folder; files in it are not watched for hand edits' });
      const plans = watchers.get(join(dir, 'executionplans')) as nodeFs.FSWatcher;
      plans.emit('error', denied('watch', join(dir, 'executionplans')));
      expect(counted).toEqual(['folder-read', 'folder-watch']);
      expect(errorsLogged('folder-watch')).toBe(1);
      expect(logs.find((line) => line.job === 'folder-watch')?.subject).toBe('executionplans');
    } finally {
      watcher.close();
    }
  });
});
