// What buildHubApp receives: settings, logger, store, node registry, validator, tokens and metrics, all built by main.ts.
import type { Logger } from 'pino';
import type { ArtifactPath } from '../core/artifact-path.js';
import type { HubConfig } from '../core/config-schema.js';
import type { ValidateOptions, ValidationResult } from '../core/validate-artifact.js';
import type { HubMetrics } from './hub-metrics.js';
import type { CommitDurability } from './store/commit-durability.js';
import type { RedisArtifactStore } from './store/redis-artifact-store.js';
import type { RedisNodeRegistry } from './store/redis-node-registry.js';
import type { TokenRegistry } from './token-registry.js';

/** The content check the hub runs on every put: core/validate-artifact.ts in production, a small stand-in in tests. */
export type ValidateArtifact = (path: ArtifactPath, bytes: Uint8Array, options: ValidateOptions) => ValidationResult;

/** Everything the HTTP app needs; nothing here listens or reads the environment. */
export interface HubDeps {
  config: Pick<HubConfig, 'max_artifact_bytes' | 'conflict_policy'>;
  logger: Logger;
  store: RedisArtifactStore;
  nodes: RedisNodeRegistry;
  validate: ValidateArtifact;
  /** Undefined only when the hub runs with --insecure and no tokens. */
  tokens: TokenRegistry | undefined;
  metrics: HubMetrics;
  now: () => number;
  /** Confirms each commit durable before its reply; without it a reply only means Redis ran the commit. */
  durability?: CommitDurability;
  /** Key and certificate (PEM) when the hub serves TLS. */
  https?: { key: Buffer; cert: Buffer };
}
