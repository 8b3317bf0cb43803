// The publisher's periodic rescan over a 10,000-artifact tree: one round (list, lstat, compare) with nothing changed,
// and one after a few edits, reading and hashing only the changed files as the publisher does.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { readArtifact } from '../../agent/publisher/artifact-reader.js';
import type { FileFingerprint } from '../../core/file-fingerprint.js';
import { PeriodicRescan } from '../../agent/publisher/periodic-rescan.js';
import { statTrees } from '../../agent/publisher/tree-scanner.js';
import { sha256Of } from '../../core/blob-codec.js';
import { isIgnoredPath } from '../../core/ignored-file.js';
import { editArtifact } from '../artifact-generator.js';
import { measure } from '../measurement.js';
import { createRandom } from '../mulberry32.js';
import { runCommand } from '../run-command.js';
import type { Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';

const COUNT = 10_000;
const EDITS = 5;

/** Alternates an unchanged round and a round after EDITS edits, on a copy of the shared tree. */
export const publisherRescanScenario: Scenario = {
  name: 'publisher-rescan',
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const tree = await ctx.tree(COUNT);
    const root = ctx.scratch.freshPath('publisher-rescan');
    await runCommand('cp', ['-r', tree.root, root]);
    const fingerprints: Map<string, FileFingerprint> = await statTrees(root, isIgnoredPath);
    const known = new Set(fingerprints.keys());
    const rescan = new PeriodicRescan({
      serverRoot: root, isIgnoredPath, intervalMs: 60_000, logger: pino({ level: 'silent' }),
      fingerprints, knownPaths: () => known, isInHand: () => false, onChanged: () => undefined,
    });
    const random = createRandom(11);
    const apis = tree.artifacts.filter((artifact) => artifact.kind === 'api');
    const reps = ctx.quick ? 7 : 15;
    const unchanged: number[] = [];
    const changed: number[] = [];
    for (let rep = 1; rep <= reps; rep += 1) {
      const quiet = await rescan.round();
      if (quiet.changed.length !== 0) throw new Error(`an unchanged tree gave ${quiet.changed.length} changes`);
      unchanged.push(quiet.durationMs);
      for (let i = 0; i < EDITS; i += 1) {
        const edited = editArtifact(random.pick(apis), rep * EDITS + i);
        await writeFile(join(root, edited.path), edited.content);
      }
      const started = performance.now();
      const round = await rescan.round();
      await readChanged(root, round.changed, fingerprints);
      changed.push(performance.now() - started);
    }
    return {
      measurements: [
        measure(`rescan.${COUNT}.artisync`, 'artisync', 'publisher rescan round, nothing changed', 'ms', unchanged),
        measure(`rescan.${COUNT}.artisync-${EDITS}changed`, 'artisync', `publisher rescan round + reading ${EDITS} edited files`, 'ms', changed),
      ],
    };
  },
};

/** Reads and hashes what a round found, and records its fingerprint, as the publisher's flush does. */
async function readChanged(root: string, paths: string[], fingerprints: Map<string, FileFingerprint>): Promise<void> {
  for (const path of paths) {
    const state = await readArtifact(root, path, 5_242_880);
    if (state.kind !== 'file' || state.fingerprint === undefined) throw new Error(`${path} is not a file after its edit`);
    sha256Of(state.bytes);
    fingerprints.set(path, state.fingerprint);
  }
}
