// The hub's HTTP API: route paths, headers and the request/response types shared by hub, agent and cli.

/** Route paths as fastify declares them; `:label` is URL-encoded, artifact paths travel in the `path` query. */
export const HUB_ROUTES = {
  artifact: '/v1/labels/:label/artifact',
  changesets: '/v1/labels/:label/changesets',
  snapshot: '/v1/labels/:label/snapshot',
  digest: '/v1/labels/:label/digest',
  versions: '/v1/labels/:label/versions',
  history: '/v1/labels/:label/history',
  diff: '/v1/labels/:label/diff',
  rollback: '/v1/labels/:label/rollback',
  replay: '/v1/labels/:label/replay',
  labels: '/v1/labels',
  blob: '/v1/blobs/:sha256',
  heartbeat: '/v1/nodes/heartbeat',
  nodes: '/v1/nodes',
  node: '/v1/nodes/:node',
  ui: '/ui',
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
} as const;

/** Request headers the hub reads. */
export const HUB_HEADERS = {
  node: 'x-artisync-node',
  baseVersion: 'x-artisync-base-version',
  requestId: 'x-request-id',
  version: 'x-artisync-version',
  sha256: 'x-artisync-sha256',
} as const;

/** Fills a route's `:label` (and `:sha256`, `:node`) with URL-encoded values. */
export function hubRoute(route: string, params: { label?: string; sha256?: string; node?: string }): string {
  let result = route;
  if (params.node !== undefined) result = result.replace(':node', encodeURIComponent(params.node));
  if (params.label !== undefined) result = result.replace(':label', encodeURIComponent(params.label));
  if (params.sha256 !== undefined) result = result.replace(':sha256', encodeURIComponent(params.sha256));
  return result;
}

/** The current state of one artifact in a label. */
export interface ArtifactHead {
  path: string;
  version: number;
  sha256: string;
  size: number;
  /** ms since the epoch, hub clock. */
  updatedAt: number;
  node: string;
}

/** One version of an artifact, as kept in its history. */
export interface HistoryEntry {
  version: number;
  op: 'put' | 'delete';
  /** Empty for a delete. */
  sha256: string;
  size: number;
  updatedAt: number;
  node: string;
  conflict: boolean;
  /** The stream revision that carried this version. */
  revision: string;
}

/** Reply to a put, delete or rollback of one artifact. */
export interface PutResult {
  path: string;
  op: 'put' | 'delete';
  version: number;
  sha256: string;
  /** Stream entry id of the changeset; null when nothing changed. */
  revision: string | null;
  /** True when the content equalled the head (or the artifact was already gone) and no version was made. */
  unchanged: boolean;
  conflict: boolean;
}

/** One change in a changeset request; `content` is the artifact's bytes (base64 only in the JSON form of the body). */
export interface ChangeItem {
  op: 'put' | 'delete';
  path: string;
  content?: Uint8Array;
  baseVersion?: number;
}

/** Body of POST changesets: changes committed together as one revision. */
export interface ChangesetRequest {
  node?: string;
  requestId?: string;
  changes: ChangeItem[];
}

/** Why the hub refused something: stable code, a readable message, and validation problems where relevant. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    subject?: string;
    issues?: Array<{ code: string; severity: string; line: number; column: number; message: string }>;
  };
}

/** Per-item outcome of a changeset: `status` is the HTTP status the item would have had on its own. */
export interface ChangesetItemResult {
  path: string;
  op: 'put' | 'delete';
  status: number;
  result?: PutResult;
  error?: ErrorBody['error'];
}

/** Reply to POST changesets. */
export interface ChangesetResponse {
  /** The one revision every accepted item was committed in; null when nothing changed. */
  revision: string | null;
  results: ChangesetItemResult[];
}

/** Every head of a label and the stream revision the set is consistent with. */
export interface Snapshot {
  label: string;
  /** Last stream entry id when the heads were read ("0-0" for an empty stream). */
  revision: string;
  digest: string;
  artifacts: ArtifactHead[];
}

/** A label's digest, cheap to compare. */
export interface DigestReply {
  label: string;
  revision: string;
  digest: string;
  count: number;
}

/** The last version the hub gave out for each path of a label, deletes included (versions never repeat). */
export interface VersionsReply {
  label: string;
  versions: Record<string, number>;
}

/** Body of POST rollback. */
export interface RollbackRequest {
  path: string;
  to: number;
  node?: string;
}

/** Body of POST replay: rewind a node's consumer group to a revision or a time. */
export interface ReplayRequest {
  node: string;
  from?: string;
  /** ISO-8601 time or ms since the epoch. */
  since?: string;
}

/** Reply to POST replay. */
export interface ReplayResult {
  label: string;
  node: string;
  revision: string;
}

/**
 * How a gateway judges one label: `ok` (applied what it last saw of the head, nothing failing), `behind` (the head it
 * saw is past its applied revision), `failing` (applies keep failing, see `failing`), `not-compared` (the drift check
 * could not compare the disk with the hub).
 */
export type GatewayLabelHealth = 'ok' | 'behind' | 'failing' | 'not-compared';

/** Applies of a label that keep failing: how many paths, the first few, and the last error. */
export interface GatewayLabelFailure {
  count: number;
  paths: string[];
  reason: string;
}

/** Per-label state of a gateway, as it reports it; fields past `lag` are absent from agents older than them. */
export interface GatewayLabelState {
  appliedRevision: string;
  /**
   * Entries the gateway is behind: as sent, its pending count (at least 1 when the head is past the applied revision);
   * in the hub's node list, XINFO GROUPS lag plus pending entries, when Redis can tell.
   */
  lag: number;
  /** The label's last stream entry id when the gateway last looked. */
  headRevision?: string;
  /** Entries delivered to this gateway and not acknowledged yet. */
  pendingEntries?: number;
  state?: GatewayLabelHealth;
  failing?: GatewayLabelFailure;
  /** Filled by the hub in its node list: the label's last stream entry id in Redis when it answered. */
  hubRevision?: string;
  /** The label's state in the last drift check; `not-compared` when the node was behind its stream or Redis failed. */
  verification?: 'ok' | 'repaired' | 'not-compared';
}

/** What an agent tells the hub every few seconds. */
export interface NodeHeartbeat {
  node: string;
  roles: Array<'publisher' | 'gateway'>;
  publisherLabels: string[];
  gatewayLabels: Record<string, GatewayLabelState>;
  overrides: string[];
  invalid: Array<{ path: string; code: string; message: string }>;
  conflicts: Array<{ path: string; label: string; at: number }>;
  pending: number;
  lastError?: string;
  lastVerification?: {
    at: number;
    ok: boolean;
    repaired: number;
    /** Per label: `not-compared` when the node was behind its stream or Redis failed (never counted as ok). */
    labels?: Record<string, { state: 'ok' | 'repaired' | 'not-compared'; reason?: string }>;
    /** Files on disk that differed from the hub's heads, overrides excepted. */
    drift?: number;
  };
  /** Deletes a publisher's mass-deletion guard holds, per label (absent from agents that predate it). */
  heldDeletes?: HeldDeletes[];
  /** Versions the server on this gateway refused to deploy (Synapse's `.back` move and restore). */
  deployFailures?: DeployFailure[];
  ready: boolean;
  /** How often the node sends heartbeats, so `status` can tell a frozen node without a fixed threshold. */
  heartbeatIntervalMs?: number;
}

/** One version a gateway wrote and its server refused: Synapse moved it to `backFile` and restored the previous artifact. */
export interface DeployFailure {
  path: string;
  label: string;
  version: number;
  /** The refused content (the version's sha256, now in `backFile`). */
  sha256: string;
  /** What the server wrote back at `path`; null while only the move has happened. */
  restoredSha256: string | null;
  backFile: string;
  /** When the gateway noticed, ms since the epoch. */
  since: number;
}

/** A label's deletes held by the mass-deletion guard until `artisync deletes confirm LABEL` or the files return. */
export interface HeldDeletes {
  label: string;
  count: number;
  /** Artifacts the label had when the hold began. */
  artifacts: number;
  /** When the hold began, ms since the epoch. */
  since: number;
  /** The held paths (only in the admin API's answer, not in heartbeats). */
  paths?: string[];
}

/** Reply to DELETE /v1/nodes/:node (`artisync node forget`). */
export interface NodeForgetResult {
  node: string;
  /** Labels whose consumer group of the node was removed. */
  labels: string[];
}

/** A heartbeat as the hub stores and lists it. */
export interface NodeStatus extends NodeHeartbeat {
  lastSeen: number;
}
