// The publisher role: journal → engine → watcher → startup sync (retried while the hub is away) → report.
import * as fs from 'node:fs/promises';
import type { PublisherAdmin } from '../admin/admin-app.js';
import type { AgentRole, AgentRoleDeps, RoleReport } from '../agent-role.js';
import { BackgroundFailures } from '../background-failures.js';
import { ArtifactPublisher } from './artifact-publisher.js';
import { HubAudit, type DeleteVersions } from './hub-audit.js';
import { JsonStateFile } from '../gateway/json-state-file.js';
import { parseArtifactPath, SYNCED_TREES, treeOf } from '../../core/artifact-path.js';
import { NotFoundError, PathError } from '../../core/errors.js';
import { isIgnoredPath } from '../../core/ignored-file.js';
import { validateArtifact } from '../../core/validate-artifact.js';
import type { ValidateArtifact, ValidationOutcome } from './file-assessment.js';
import { PendingJournal } from './pending-journal.js';
import { backoffDelayMs } from '../../core/retry-backoff.js';
import { runStartupSync } from './startup-reconciler.js';
import { TreeWatcher } from './tree-watcher.js';

/** The file rules the publisher applies, injected so tests may use their own. */
export interface PublisherRules {
  validate: ValidateArtifact;
  isIgnoredPath: (relativePath: string) => boolean;
}

const SYNC_RETRY = { baseMs: 500, capMs: 30_000 };

/** The running publisher role and what it answers on the admin API. */
export type PublisherRole = AgentRole & { admin: PublisherAdmin };

/** Starts the publisher role with the given file rules; resolves once it watches (the startup sync runs behind). */
export async function startPublisherWith(deps: AgentRoleDeps, rules: PublisherRules): Promise<PublisherRole> {
  const { config, logger: parent, hub, echoFilter, publisherMetrics: metrics } = deps;
  const logger = parent.child({ role: 'publisher' });
  const labels = config.publisher.labels;
  if (labels.length === 0) logger.warn('publisher has no labels; nothing will be published (set publisher.labels or --labels)');
  const deletesFile = new JsonStateFile<DeleteVersions>(fs, config.state_dir, 'published-deletes.json');
  const audit = new HubAudit({ hub, labels, logger, intervalMs: config.publisher.audit_interval, deletesFile });
  await audit.loadDeletes();
  deps.ownPublisher?.attach(audit);
  const engine = new ArtifactPublisher({
    serverRoot: config.server_root,
    labels,
    hub: audit.observe(hub),
    validate: rules.validate,
    isIgnoredPath: rules.isIgnoredPath,
    echoFilter: audit.filterEchoes(echoFilter),
    journal: new PendingJournal(fs, config.state_dir),
    logger,
    quietMs: config.publisher.quiet_ms,
    maxArtifactBytes: config.max_artifact_bytes,
    massDeleteGuard: config.publisher.mass_delete_guard,
    deleteDelayMs: config.publisher.delete_delay_ms,
    rescanIntervalMs: config.publisher.rescan_interval,
    ...(metrics === undefined ? {} : { metrics }),
  });
  await engine.loadJournal();
  const failures = new BackgroundFailures(logger, metrics ?? { countBackgroundFailure: () => undefined });
  const watcher = new TreeWatcher({ serverRoot: config.server_root, isIgnoredPath: rules.isIgnoredPath, logger, failures }, {
    onPath: (path) => engine.notePaths([path]),
    onFolder: (folder) => void engine.noteFolder(folder).catch((err: unknown) => logger.error({ err, folder }, 'folder scan failed')),
    onRescan: () => void Promise.all(SYNCED_TREES.map((tree) => engine.noteFolder(tree))).catch((err: unknown) => logger.error({ err }, 'rescan failed')),
  });
  await watcher.start();
  let attempted = false;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  const syncDeps = { hub, labels, serverRoot: config.server_root, isIgnoredPath: rules.isIgnoredPath, massDeleteGuard: config.publisher.mass_delete_guard, logger };
  const trySync = async (attempt: number): Promise<void> => {
    try {
      let deletedOnHub = new Map<string, string[]>();
      await engine.exclusive(async () => {
        deletedOnHub = await runStartupSync(engine, syncDeps);
      });
      await audit.learnDeletes(deletedOnHub);
      // A success after failed tries is logged as such: "startup sync done" alone would hide the outage before it.
      if (attempt === 0) logger.info({ labels }, 'startup sync done');
      else logger.info({ labels, failedAttempts: attempt }, 'startup sync succeeded after retrying');
      audit.start(engine);
    } catch (err) {
      engine.noteSyncFailure(err);
      const delayMs = backoffDelayMs(attempt, SYNC_RETRY, Math.random);
      logger.warn({ err, retryInMs: delayMs }, 'startup sync failed; watching anyway and retrying');
      if (!stopped) retryTimer = setTimeout(() => void trySync(attempt + 1), delayMs);
    } finally {
      attempted = true;
      engine.resume();
      if (!stopped) engine.startRescan();
    }
  };
  void trySync(0);
  return {
    name: 'publisher',
    admin: publisherAdmin(engine, labels),
    isReady: () => attempted,
    report: (): RoleReport => ({ publisherLabels: labels, ...engine.report() }),
    stop: async () => {
      stopped = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      audit.stop();
      await watcher.stop();
      await engine.stop();
    },
  };
}

/** The admin API's view of the engine's held deletes. */
function publisherAdmin(engine: ArtifactPublisher, labels: readonly string[]): PublisherAdmin {
  return {
    heldDeletes: () => engine.guard.report(true),
    confirmDeletes: (label) => {
      if (!labels.includes(label)) throw new NotFoundError('ARTISYNC_NOT_FOUND', `label "${label}" is not published by this node (it publishes ${labels.map((name) => `"${name}"`).join(', ') || 'none'})`, { subject: label });
      const released = engine.confirmDeletes(label);
      if (released.length === 0) throw new NotFoundError('ARTISYNC_NOT_FOUND', `no deletes are held for label "${label}" on this node`, { subject: label });
      return { label, released };
    },
  };
}

/** Starts the publisher role with the core validation and ignore rules. */
export function startPublisher(deps: AgentRoleDeps): Promise<PublisherRole> {
  const { trees } = deps.config;
  // Paths of trees this node does not sync are as good as ignored: never watched, pushed or deleted from the hub.
  return startPublisherWith(deps, { validate: validateAtPath, isIgnoredPath: (path) => isIgnoredPath(path) || treeOf(path, trees) === undefined });
}

/** Core validation for a path the watcher found; a path the hub would refuse is reported like an invalid file. */
function validateAtPath(path: string, bytes: Uint8Array, options: { maxArtifactBytes: number }): ValidationOutcome {
  try {
    return validateArtifact(parseArtifactPath(path), bytes, options);
  } catch (err) {
    if (!(err instanceof PathError)) throw err;
    return { ok: false, incomplete: false, issues: [{ code: err.code, severity: 'error', line: 0, column: 0, message: err.message }] };
  }
}
