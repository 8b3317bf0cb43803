// Carbon's own writes into a gateway's tree: when a hot update fails, Synapse moves the file it could not deploy to
// `<name>.back` and writes the artifact it still runs back in its place. That is a deploy failure on this node, not a
// hand edit: it is reported per node (status, metrics, admin API), the restored file is left alone until the hub
// sends another version or an operator redeploys, and the `.back` file never travels (core/ignored-file.ts).
import { posix } from 'node:path';
import type { Logger } from 'pino';
import type { DeployFailure } from '../../core/hub-api.js';
import type { AppliedRecord } from './applied-record.js';
import { hashFile } from './disk-scan.js';
import type { GatewayParts } from './gateway-context.js';
import { JsonStateFile, type StateFs } from './json-state-file.js';

/** The suffix Synapse gives the file it could not deploy. */
export const BACK_SUFFIX = '.back';

/** Deploy failures seen on this node, persisted as state_dir/deploy-failures.json. */
export class DeployFailures {
  private constructor(
    private readonly file: JsonStateFile<DeployFailure[]>,
    private readonly failures: Map<string, DeployFailure>,
  ) {}

  /** Loads state_dir/deploy-failures.json (empty when absent). */
  static async load(fs: StateFs, stateDir: string): Promise<DeployFailures> {
    const file = new JsonStateFile<DeployFailure[]>(fs, stateDir, 'deploy-failures.json');
    const list = (await file.load()) ?? [];
    return new DeployFailures(file, new Map(list.map((item) => [item.path, item])));
  }

  /** Every failure whose refused version is still the one applied here, sorted by path. */
  list(record: AppliedRecord): DeployFailure[] {
    return [...this.failures.values()].filter((item) => isCurrent(item, record)).sort((a, b) => a.path.localeCompare(b.path));
  }

  /** True when `sha256` at `path` is Carbon's restore after refusing the version applied there. */
  explains(path: string, sha256: string | null, record: AppliedRecord): boolean {
    const known = this.failures.get(path);
    return known !== undefined && isCurrent(known, record) && known.restoredSha256 === sha256;
  }

  /** Records a failure (or the restore written after the move); returns true when it is new. */
  note(failure: DeployFailure): boolean {
    const known = this.failures.get(failure.path);
    const fresh = known === undefined || known.sha256 !== failure.sha256 || known.version !== failure.version;
    this.failures.set(failure.path, fresh ? failure : { ...known, restoredSha256: failure.restoredSha256 });
    return fresh;
  }

  /** Forgets a path's failure (the version deployed after all, or another one was written); true when there was one. */
  clear(path: string): boolean {
    return this.failures.delete(path);
  }

  /** Persists the list, dropping failures of versions no longer applied here. */
  save(record: AppliedRecord): Promise<void> {
    for (const [path, item] of this.failures) if (!isCurrent(item, record)) this.failures.delete(path);
    return this.file.save(this.list(record));
  }

  /** Waits for saves in flight. */
  flush(): Promise<void> {
    return this.file.flush();
  }
}

function isCurrent(failure: DeployFailure, record: AppliedRecord): boolean {
  const entry = record.get(failure.path);
  return entry !== undefined && entry.version === failure.version && entry.label === failure.label && entry.sha256 === failure.sha256;
}

/** What recognising a restore needs from the gateway. */
export interface CarbonRestoreDeps {
  serverRoot: string;
  record: AppliedRecord;
  deployFailures: DeployFailures;
  clock: () => number;
  logger: Logger;
  /** Whether `backFile` is the gateway's own file of `path` moved aside (undefined: not known since this start). */
  movedAside: (path: string, backFile: string) => boolean | undefined;
}

/**
 * Decides whether `sha256` (null: gone) at `path` is Carbon's doing: `<path>.back` holds exactly the content the
 * gateway wrote there, and the path holds something else (the previous artifact, or nothing between the move and the
 * restore). Records and logs a new failure; content equal to the applied version clears an old one (the redeploy
 * worked). Returns true when the path's content is explained by a deploy failure.
 */
export async function recogniseCarbonRestore(deps: CarbonRestoreDeps, path: string, sha256: string | null): Promise<boolean> {
  const entry = deps.record.get(path);
  if (entry === undefined || entry.sha256 === null) return false;
  if (sha256 === entry.sha256) {
    if (deps.deployFailures.clear(path)) {
      deps.logger.info({ path, version: entry.version }, 'deploy failure cleared: the applied version is back on disk');
      await deps.deployFailures.save(deps.record);
    }
    return false;
  }
  if (deps.deployFailures.explains(path, sha256, deps.record)) return true;
  const backFile = `${path}${BACK_SUFFIX}`;
  const refused = await hashFile(deps.serverRoot, backFile);
  if (refused !== entry.sha256) return false;
  // Synapse renames the refused file; an operator's `cp x.xml x.xml.back` before a hand edit is a copy, and the edit
  // after it an override. Across a restart the inode is not known, and the content alone decides.
  if (deps.movedAside(path, posix.join(deps.serverRoot, backFile)) === false) return false;
  const failure: DeployFailure = {
    path, label: entry.label, version: entry.version, sha256: entry.sha256, restoredSha256: sha256, backFile, since: deps.clock(),
  };
  if (deps.deployFailures.note(failure)) {
    deps.logger.warn({ path, label: entry.label, version: entry.version, backFile: failure.backFile }, 'deploy failed on this node: the server moved the artifact to .back and restored the previous one');
  }
  await deps.deployFailures.save(deps.record);
  return true;
}

/** The parts of the gateway's context that recognising a restore reads. */
export function restoreDepsOf(ctx: Pick<GatewayParts, 'clock' | 'deployFailures' | 'logger' | 'ownFiles' | 'record' | 'settings'>): CarbonRestoreDeps {
  return {
    serverRoot: ctx.settings.serverRoot, record: ctx.record, deployFailures: ctx.deployFailures, clock: ctx.clock, logger: ctx.logger,
    movedAside: (path, backFile) => ctx.ownFiles.movedTo(path, backFile),
  };
}

/** Recognises restores Carbon made while the agent was down: every recorded path whose disk content differs is looked at. */
export async function recogniseRestoresOnDisk(deps: CarbonRestoreDeps, disk: ReadonlyMap<string, string>): Promise<void> {
  for (const path of deps.record.paths()) {
    const recorded = deps.record.get(path)?.sha256 ?? null;
    const sha = disk.get(path) ?? null;
    if (recorded !== null && sha !== recorded) await recogniseCarbonRestore(deps, path, sha);
  }
}
