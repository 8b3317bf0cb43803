// `npm run bench [-- --quick] [--only a,b]`: runs the scenarios, prints the comparison table, writes bench/results/.
import { dirname, join, resolve } from 'node:path';
import { loadavg, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { generateTree } from './artifact-generator.js';
import { describeMachine } from './machine-info.js';
import { buildRows, formatReport, writeJsonReport } from './report.js';
import type { Measurement, Scenario, ScenarioContext, SourceTree } from './scenario.js';
import { coldCopyScenario } from './scenarios/cold-copy.js';
import { fsFloorScenario } from './scenarios/fs-floor.js';
import { gatewayScaleScenario, GATEWAY_SCALE_TARGETS } from './scenarios/gateway-scale.js';
import { hubPutScenario } from './scenarios/hub-put.js';
import { idleRssScenario } from './scenarios/idle-rss.js';
import { artisyncFanoutScenario } from './scenarios/artisync-fanout.js';
import { artisyncSyncScenario } from './scenarios/artisync-sync.js';
import { lsyncdEditScenario } from './scenarios/lsyncd-edit.js';
import { publisherEditCpuScenario } from './scenarios/publisher-edit-cpu.js';
import { publisherRescanScenario } from './scenarios/publisher-rescan.js';
import { rsyncRescanScenario } from './scenarios/rsync-rescan.js';
import { validationThroughputScenario } from './scenarios/validation-throughput.js';
import { Scratch } from './scratch.js';
import { TARGETS } from './targets.js';
import { writeTree } from './tree-writer.js';

const TREE_SEED = 42;
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    work: { type: 'string', default: process.env.BENCH_WORK ?? join(tmpdir(), 'artisync-bench') },
    fixtures: { type: 'string', default: join(projectRoot, 'test/fixtures/wso2-real') },
    'keep-scratch': { type: 'boolean', default: false },
  },
});

// Peers and artisync alternate, so that neither side gets all of the quiet (or all of the loaded) minutes of a run;
// the file-creating peers still come early, while the disk has the fewest freed inodes.
const scenarios: Scenario[] = [
  coldCopyScenario, artisyncSyncScenario, fsFloorScenario, hubPutScenario, rsyncRescanScenario, artisyncFanoutScenario,
  lsyncdEditScenario, publisherRescanScenario, publisherEditCpuScenario, validationThroughputScenario(values.fixtures),
  idleRssScenario,
  gatewayScaleScenario,
];

async function main(): Promise<void> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const only = values.only?.split(',').map((name) => name.trim());
  const selected = only === undefined ? scenarios : scenarios.filter((scenario) => only.includes(scenario.name));
  if (selected.length === 0) throw new Error(`--only matched no scenario; known: ${scenarios.map((s) => s.name).join(', ')}`);
  const quietMs = await Scratch.quietRemainingMs(values.work, Date.now());
  if (quietMs > 0) {
    process.stderr.write(`[bench] waiting ${Math.ceil(quietMs / 1000)} s: the last run's deleted files still slow file creation\n`);
    await sleep(quietMs);
  }
  const scratch = await Scratch.create(values.work, stamp);
  const machine = await describeMachine(scratch.runDir);
  const ctx = makeContext(scratch);
  let run: { measurements: Measurement[]; outcomes: Record<string, ScenarioOutcome> };
  try {
    run = await runScenarios(selected, ctx);
  } finally {
    if (!values['keep-scratch']) await scratch.removeAll();
  }
  const { measurements, outcomes } = run;
  const rows = buildRows(measurements, [...TARGETS, ...GATEWAY_SCALE_TARGETS]);
  process.stdout.write(formatReport(rows, measurements));
  for (const [name, outcome] of Object.entries(outcomes)) {
    if (outcome.skipped !== undefined) process.stdout.write(`skipped ${name}: ${outcome.skipped}\n`);
  }
  // Without lsyncd the single-edit targets have no peer: said loudly, as the table alone would only show "n/a".
  if (outcomes['lsyncd-edit']?.skipped !== undefined) {
    process.stdout.write(`\n!!! LSYNCD MISSING: the single-edit targets were compared with nothing (apt-get install lsyncd) !!!\n`);
  }
  const file = await writeJsonReport(join(projectRoot, 'bench/results'), stamp, {
    startedAt: stamp, quick: values.quick, machine, loadavgAfter: formatLoad(),
    scenarios: outcomes, rows, measurements,
  });
  ctx.log(`results written to ${file}`);
}

interface ScenarioOutcome {
  skipped?: string;
  notes?: string[];
  durationMs: number;
  loadavg: string;
}

async function runScenarios(selected: readonly Scenario[], ctx: ScenarioContext) {
  const measurements: Measurement[] = [];
  const outcomes: Record<string, ScenarioOutcome> = {};
  for (const scenario of selected) {
    ctx.log(`scenario ${scenario.name}`);
    const started = performance.now();
    const loadBefore = formatLoad();
    const result = await scenario.run(ctx);
    measurements.push(...result.measurements);
    outcomes[scenario.name] = {
      skipped: result.skipped, notes: result.notes, durationMs: Math.round(performance.now() - started),
      loadavg: `${loadBefore} → ${formatLoad()}`,
    };
    if (result.skipped !== undefined) ctx.log(`scenario ${scenario.name} skipped: ${result.skipped}`);
  }
  return { measurements, outcomes };
}

// Other work on this shared 2-core machine moves the numbers; the load average beside them says how much.
function formatLoad(): string {
  return loadavg().map((n) => n.toFixed(2)).join(' ');
}

function makeContext(scratch: Scratch): ScenarioContext {
  const trees = new Map<number, Promise<SourceTree>>();
  const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
  const tree = (count: number): Promise<SourceTree> => {
    let made = trees.get(count);
    if (made === undefined) {
      made = (async () => {
        log(`generating ${count} artifacts (seed ${TREE_SEED})`);
        const artifacts = generateTree(TREE_SEED, count);
        const root = await scratch.freshDir(`tree-${count}`);
        return { root, artifacts, bytes: await writeTree(root, artifacts) };
      })();
      trees.set(count, made);
    }
    return made;
  };
  return { quick: values.quick, scratch, tree, log };
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
