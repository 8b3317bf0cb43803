// The state one gateway's parts share: label views, applied record, overrides, failures, Redis and the work queue.
// gateway-role.ts builds it once; each part declares, as a Pick of it, the few fields it needs.
import type { BackgroundFailures } from '../background-failures.js';
import type { Logger } from 'pino';
import type { SyncedTree } from '../../core/artifact-path.js';
import type { AtomicFs } from '../fs/atomic-write.js';
import type { RealpathFs } from './tree-confinement.js';
import type { OwnPublisher } from '../own-publisher-link.js';
import type { AppliedRecord } from './applied-record.js';
import type { DiskFingerprints } from './disk-fingerprints.js';
import type { GatewayRedis } from './gateway-redis.js';
import type { LabelViews } from './label-precedence.js';
import type { OverrideTracker } from './override-tracker.js';
import type { DeployFailures } from './carbon-restore.js';
import type { OwnFiles } from './own-files.js';
import type { SerialQueue } from './serial-queue.js';

/** What the gateway reports to metrics; the admin's prom-client registry implements it. */
export interface GatewayMetrics {
  /** Hub commit → file on disk, in seconds. */
  observePropagationLag(seconds: number): void;
  countRepairs(count: number): void;
  setOverrides(count: number): void;
  countRedisError(): void;
  /** A failed startup sync that will be tried again after the backoff. */
  countSyncRetry(): void;
  /** A background job (a record save, a folder watch or read) failed; see agent/background-failures.ts. */
  countBackgroundFailure(job: string): void;
}

/** Settings the gateway parts read, taken from agent.toml. */
export interface GatewaySettings {
  nodeId: string;
  serverRoot: string;
  stateDir: string;
  labels: readonly string[];
  /** The trees this node syncs (agent.toml `trees`); paths of other trees in its labels are left alone. */
  trees: readonly SyncedTree[];
  /** True on a gateway-only node: hand edits become overrides. False when the node's publisher pushes them instead. */
  handEditsAreOverrides: boolean;
  eventWaitingMs: number;
  writeConcurrency: number;
  /** How long one blocking read for new stream entries waits (BLOCK), in ms. */
  readBlockMs: number;
}

/** Everything gateway-role builds; startup sync, the stream consumer, the drift checker, the watcher and the admin actions each pick what they use. */
export interface GatewayParts {
  settings: GatewaySettings;
  logger: Logger;
  redis: GatewayRedis;
  fs: AtomicFs & RealpathFs;
  /** One flush for a big batch's temps (real filesystems only); see materializer.ts. */
  syncFilesystem?: (folder: string, files: readonly string[]) => Promise<void>;
  rankOf: (path: string) => number;
  clock: () => number;
  metrics: GatewayMetrics;
  /** Background failures, logged once per outage and counted. */
  failures: BackgroundFailures;
  queue: SerialQueue;
  views: LabelViews;
  /** Per label, the revision of the last snapshot applied: stream entries up to it are already on disk. */
  syncedRevision: Map<string, string>;
  /** Per label, the last stream entry whose changes are on disk. */
  appliedRevision: Map<string, string>;
  record: AppliedRecord;
  overrides: OverrideTracker;
  /** Versions the server on this node refused (Synapse's `.back` move and restore); see carbon-restore.ts. */
  deployFailures: DeployFailures;
  /** Paths whose last write failed, with the reason. */
  failed: Map<string, string>;
  /** What the gateway's own files look like on disk, for cheap override checks. */
  ownFiles: OwnFiles;
  /** Every file's last stat and hash, so drift checks and `verify` hash only what changed. */
  diskPrints: DiskFingerprints;
  /** Labels the last drift check could not compare, with the hub revision the node had not reached then. */
  notCompared: Map<string, string>;
  /** On a node that also publishes: its labels and publisher, asked before older hub content replaces its files. */
  ownPublisher?: { labels: ReadonlySet<string>; publisher: OwnPublisher };
}
