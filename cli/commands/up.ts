// `artisync up [--dir DIR]`: an all-in-one local cluster to try artisync; Ctrl-C stops everything.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { lockStateDir } from '../../agent/state-dir-lock.js';
import { commandAction } from '../command-action.js';
import { commandHint, currentInvocation } from '../invocation-hint.js';
import { LocalCluster } from '../local-cluster.js';
import { LOCAL_LABEL } from '../local-cluster-config.js';

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** One `up` per folder: DIR/up.lock holds its PID. */
const UP_LOCK_FILE = 'up.lock';

/** The repository's fixtures/ folder, found by walking up from this file to package.json. */
function findFixturesDir(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return existsSync(join(dir, 'fixtures')) ? join(dir, 'fixtures') : undefined;
  }
  return undefined;
}

/** What `up` prints once everything runs: where each tree is and what to try. */
export function formatUpBanner(cluster: LocalCluster, cli: string): string {
  const { dir, redisPort, hubPort, adminPorts } = cluster.layout;
  const hub = `http://127.0.0.1:${hubPort}`;
  const label = JSON.stringify(LOCAL_LABEL);
  const gw1Admin = `http://127.0.0.1:${adminPorts['gateway-1'] ?? 0}`;
  return [
    `artisync up: a local cluster under ${dir}`,
    `  redis      127.0.0.1:${redisPort} (append-only file in ${join(dir, 'redis')})`,
    `  hub        ${hub} (no tokens: for this machine only)`,
    `  publisher  ${join(dir, 'publisher')}   edit files here; they are pushed to the hub`,
    `  gateway-1  ${join(dir, 'gateway-1')}   admin API http://127.0.0.1:${adminPorts['gateway-1'] ?? 0}`,
    `  gateway-2  ${join(dir, 'gateway-2')}   admin API http://127.0.0.1:${adminPorts['gateway-2'] ?? 0}`,
    `  logs       ${join(dir, 'logs')}`,
    '',
    'Try:',
    `  edit a file        ${join(dir, 'publisher', 'synapse-configs', 'default', 'api')}/… and watch it arrive below`,
    `  list the label     ${cli} ls ${label} --hub ${hub}`,
    `  see the nodes      ${cli} status --hub ${hub}`,
    `  an artifact's past ${cli} history ${label} PATH --hub ${hub}   (then diff, rollback)`,
    `  drop an override   edit a file under ${join(dir, 'gateway-1')}, then ${cli} override list --admin ${gw1Admin}`,
    `  check a node       ${cli} verify --admin ${gw1Admin}`,
    '',
    'Live (what arrives where):',
  ].join('\n');
}

function waitForStopSignal(): { promise: Promise<NodeJS.Signals>; dispose: () => void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const promise = new Promise<NodeJS.Signals>((resolvePromise) => {
    onSignal = (signal) => resolvePromise(signal);
  });
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return { promise, dispose: () => STOP_SIGNALS.forEach((signal) => process.off(signal, onSignal)) };
}

/**
 * stdout that stops the cluster instead of crashing when its reader goes away (`up | head`): after EPIPE nothing more
 * is written to it, and `closed` resolves.
 */
function watchStdout(): { print: (line: string) => void; closed: Promise<void> } {
  let open = true;
  let onClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolvePromise) => {
    onClosed = resolvePromise;
  });
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    open = false;
    if (err.code !== 'EPIPE') process.stderr.write(`artisync: stdout failed (${err.message}); stopping\n`);
    onClosed();
  });
  // `up 2>&1 | head`: stderr's reader is gone too, and a failed warning must not crash the shutdown.
  process.stderr.on('error', () => undefined);
  return { print: (line) => void (open && process.stdout.write(`${line}\n`)), closed };
}

/** Runs the local cluster until a stop signal or a closed stdout (exit 0) or until one of its processes dies (exit 1). */
async function runUp(options: { dir: string }): Promise<number> {
  const dir = resolve(options.dir);
  const entryScript = fileURLToPath(new URL('../main.js', import.meta.url));
  const { print, closed } = watchStdout();
  // Listen before starting anything, so a Ctrl-C during start-up still stops what was started.
  const stopSignal = waitForStopSignal();
  await mkdir(dir, { recursive: true });
  const lock = await lockStateDir(dir, { warn: (_fields: unknown, message?: string) => void process.stderr.write(`artisync: ${message ?? ''}\n`) }, process.pid, {
    file: UP_LOCK_FILE,
    staleWarning: `took over ${join(dir, UP_LOCK_FILE)} from a stopped artisync up`,
    refusal: (pid, path) => `artisync up is already running on ${dir} (PID ${pid}, lock ${path}); stop it first (Ctrl-C there, or kill ${pid}) or pass another --dir`,
  });
  try {
    const cluster = await LocalCluster.start({ dir, entryScript, fixturesDir: findFixturesDir(), print });
    print(formatUpBanner(cluster, commandHint(currentInvocation(entryScript))));
    const outcome = await Promise.race([stopSignal.promise.then(() => undefined), closed.then(() => undefined), cluster.firstExit]);
    if (outcome !== undefined) process.stderr.write(`artisync: ${outcome}; stopping the rest (logs in ${join(dir, 'logs')})\n`);
    else print('stopping…');
    await cluster.stop();
    print('stopped: nothing left running');
    return outcome === undefined ? 0 : 1;
  } finally {
    stopSignal.dispose();
    await lock.release();
  }
}

/** Registers `artisync up [--dir DIR]`. */
export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('run a local cluster to try artisync: private redis-server, hub, one publisher, two gateways; Ctrl-C stops it')
    .option('--dir <dir>', 'folder for the trees, Redis data, configs and logs', './.artisync-demo')
    .action(commandAction(async (options: { dir: string }) => runUp(options)));
}
