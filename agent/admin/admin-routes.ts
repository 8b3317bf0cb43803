// Routes of the node-local admin API and the shapes it answers with, shared by the agent and the CLI.
import type { LabelVerification } from '../gateway/drift-checker.js';
import type { HeldDeletes } from '../../core/hub-api.js';
import type { ArtifactStatus, VerifyReport } from '../gateway/gateway-admin-actions.js';
import type { Override } from '../gateway/override-tracker.js';

/** Admin route paths; artifact paths travel in the `path` query or body. */
export const ADMIN_ROUTES = {
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
  artifacts: '/v1/artifacts',
  artifact: '/v1/artifact',
  redeploy: '/v1/redeploy',
  undeploy: '/v1/undeploy',
  overrides: '/v1/overrides',
  clearOverrides: '/v1/overrides/clear',
  deployFailures: '/v1/deploy-failures',
  verify: '/v1/verify',
  driftCheck: '/v1/drift-check',
  deletes: '/v1/deletes',
  confirmDeletes: '/v1/deletes/confirm',
} as const;

/** Body of deletes confirm. */
export interface ConfirmDeletesRequest {
  label: string;
}

/** Reply to deletes confirm: the held deletes released, now sent where their paths are still missing. */
export interface ConfirmDeletesReply {
  label: string;
  released: string[];
}

/** Body of redeploy and undeploy. */
export interface AdminPathRequest {
  path: string;
}

/** Body of override clear: one path, or all. */
export interface ClearOverridesRequest {
  path?: string;
  all?: boolean;
}

/** Reply to override clear. */
export interface ClearOverridesReply {
  cleared: string[];
  /** Each released path whose local file was replaced or removed → where its content was copied first. */
  backups: Record<string, string>;
}

/** Reply to redeploy. */
export interface RedeployReply {
  written: string[];
  removed: string[];
}

/** Reply to /readyz. */
export interface ReadyReply {
  ready: boolean;
  roles: Record<string, boolean>;
}

/** Reply to a drift check run on demand: the round's outcome and how long it took on this node. */
export interface DriftCheckReply {
  ok: boolean;
  /** Files the round rewrote or removed (a label whose digest differed counts at least 1). */
  repaired: number;
  /** When the round finished, ms since the epoch. */
  at: number;
  durationMs: number;
  /** Per label: ok, repaired, or not-compared (behind its stream, Redis failed) with the reason. */
  labels: Record<string, LabelVerification>;
  /** Files on disk that differed from the hub's heads, overrides excepted. */
  drift: number;
}

export type { ArtifactStatus, HeldDeletes, Override, VerifyReport };
