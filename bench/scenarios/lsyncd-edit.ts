// Peer for single-edit latency: lsyncd (default.rsync) with `delay = 0` — and, in the full run, its 15 s default —
// replicating one in-place API edit at a time; latency runs from just before the write to byte-identical at the target.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { editArtifact } from '../artifact-generator.js';
import { measure } from '../measurement.js';
import { createRandom } from '../mulberry32.js';
import { waitUntilIdentical } from '../poll-identical.js';
import { isInstalled, runCommand } from '../run-command.js';
import type { Measurement, Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';

const GAP_BETWEEN_EDITS_MS = 200;

interface LsyncdCase {
  count: number;
  delaySeconds: number | undefined;
  edits: number;
}

/** Skipped, with the reason, when lsyncd is not installed (`apt-get install lsyncd`). */
export const lsyncdEditScenario: Scenario = {
  name: 'lsyncd-edit',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    if (!(await isInstalled('lsyncd'))) return { measurements: [], skipped: 'lsyncd is not on PATH (apt-get install lsyncd)' };
    const cases: LsyncdCase[] = [{ count: 1000, delaySeconds: 0, edits: 50 }, { count: 10_000, delaySeconds: 0, edits: 50 }];
    if (!ctx.quick) cases.push({ count: 1000, delaySeconds: undefined, edits: 5 }, { count: 10_000, delaySeconds: undefined, edits: 5 });
    const measurements: Measurement[] = [];
    for (const one of cases) measurements.push(await runCase(ctx, one));
    return { measurements, notes: ['lsyncd default.rsync, overwrite in place, destination polled every 0.5 ms'] };
  },
};

async function runCase(ctx: ScenarioContext, one: LsyncdCase): Promise<Measurement> {
  const delayName = one.delaySeconds === undefined ? 'default' : `delay${one.delaySeconds}`;
  ctx.log(`lsyncd ${one.count} ${delayName}: ${one.edits} edits`);
  const tree = await ctx.tree(one.count);
  const source = ctx.scratch.freshPath(`lsyncd-src-${one.count}`);
  const target = await ctx.scratch.freshDir(`lsyncd-dst-${one.count}`);
  await runCommand('cp', ['-r', tree.root, source]);
  const logFile = `${target}.log`;
  const config = `${target}.lua`;
  const delay = one.delaySeconds === undefined ? '' : `, delay = ${one.delaySeconds}`;
  await writeFile(config, `settings { logfile = "${logFile}", nodaemon = true }\n` +
    `sync { default.rsync, source = "${source}", target = "${target}"${delay} }\n`);
  const lsyncd = spawn('lsyncd', ['-nodaemon', config], { stdio: 'ignore' });
  try {
    await waitForStartup(lsyncd, logFile);
    const random = createRandom(one.count);
    const apis = tree.artifacts.filter((artifact) => artifact.kind === 'api');
    const samples: number[] = [];
    for (let n = 1; n <= one.edits; n += 1) {
      const edited = editArtifact(random.pick(apis), n);
      const started = performance.now();
      await writeFile(join(source, edited.path), edited.content);
      samples.push(waitUntilIdentical([join(target, edited.path)], edited.content, 60_000) - started);
      await sleep(GAP_BETWEEN_EDITS_MS);
    }
    return measure(`edit.${one.count}.lsyncd-${delayName}`, 'lsyncd', `lsyncd ${delayName}, one edit`, 'ms', samples);
  } finally {
    await stop(lsyncd);
  }
}

// lsyncd logs "Startup of <source> finished" once its initial full rsync is done; edits before that would be unfair.
async function waitForStartup(lsyncd: ChildProcess, logFile: string): Promise<void> {
  const deadline = performance.now() + 120_000;
  for (;;) {
    if (lsyncd.exitCode !== null) throw new Error(`lsyncd exited with ${lsyncd.exitCode}; see ${logFile}`);
    const log = await readFile(logFile, 'utf8').catch(() => '');
    if (/Startup of .* finished/.test(log)) break;
    if (performance.now() > deadline) throw new Error(`lsyncd did not finish its startup sync; see ${logFile}`);
    await sleep(50);
  }
  await sleep(1000);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}
