// Validation throughput: core's validateArtifact over the real WSO2 fixtures, repeated to ~50 MB, in MB/s and files/s.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArtifactPath, type ArtifactPath } from '../../core/artifact-path.js';
import { measure } from '../measurement.js';
import type { Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';

const TARGET_BYTES = 50 * 1024 * 1024;
const MAX_ARTIFACT_BYTES = 5 * 1024 * 1024;

/** The part of core/validate-artifact.ts this scenario calls (declared here, by its consumer). */
type ValidateArtifact = (path: ArtifactPath, bytes: Uint8Array, options: { maxArtifactBytes: number }) =>
  { ok: boolean; incomplete: boolean; issues: readonly unknown[] };

interface Fixture {
  path: ArtifactPath;
  bytes: Uint8Array;
}

/** Builds the scenario over the fixture corpus in `fixturesDir` (one folder per source server, each a server root). */
export function validationThroughputScenario(fixturesDir: string): Scenario {
  return {
    name: 'validation',
    async run(ctx: ScenarioContext): Promise<ScenarioResult> {
      const validate = await loadValidator();
      if (validate === undefined) return { measurements: [], skipped: 'core/validate-artifact.ts is not in this tree yet' };
      const fixtures = await readFixtures(fixturesDir);
      const fixtureBytes = fixtures.reduce((sum, one) => sum + one.bytes.length, 0);
      const repeats = Math.ceil(TARGET_BYTES / fixtureBytes);
      const rounds = ctx.quick ? 3 : 7;
      const mbPerSecond: number[] = [];
      const filesPerSecond: number[] = [];
      let valid = 0;
      for (let round = 0; round < rounds; round += 1) {
        valid = 0;
        const started = performance.now();
        for (let r = 0; r < repeats; r += 1) {
          for (const one of fixtures) if (validate(one.path, one.bytes, { maxArtifactBytes: MAX_ARTIFACT_BYTES }).ok) valid += 1;
        }
        const seconds = (performance.now() - started) / 1000;
        mbPerSecond.push((fixtureBytes * repeats) / 1e6 / seconds);
        filesPerSecond.push((fixtures.length * repeats) / seconds);
      }
      return {
        measurements: [
          measure('validation.fixtures.mb-per-s', 'artisync', 'validateArtifact throughput', 'MB/s', mbPerSecond),
          measure('validation.fixtures.files-per-s', 'artisync', 'validateArtifact throughput', 'files/s', filesPerSecond),
        ],
        notes: [`${fixtures.length} fixtures (${fixtureBytes} bytes) × ${repeats}; ${valid / repeats} valid per pass`],
      };
    },
  };
}

// Loaded by URL so the bench builds and runs before the validator lands; once merged this always succeeds.
async function loadValidator(): Promise<ValidateArtifact | undefined> {
  const url = new URL('../../core/validate-artifact.js', import.meta.url);
  try {
    const module = (await import(url.href)) as { validateArtifact?: ValidateArtifact };
    return module.validateArtifact;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

// Each fixture folder is a server root, so a file's artifact path is its path below that first folder.
async function readFixtures(fixturesDir: string): Promise<Fixture[]> {
  const entries = await readdir(fixturesDir, { recursive: true, withFileTypes: true });
  const fixtures: Fixture[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.endsWith('.md')) continue;
    const absolute = join(entry.parentPath, entry.name);
    const [, ...rest] = relative(fixturesDir, absolute).split('/');
    const path = toArtifactPathOrUndefined(rest.join('/'));
    if (path !== undefined) fixtures.push({ path, bytes: await readFile(absolute) });
  }
  return fixtures;
}

function toArtifactPathOrUndefined(raw: string): ArtifactPath | undefined {
  try {
    return parseArtifactPath(raw);
  } catch {
    return undefined;
  }
}
