// The contract between the agent's composition root and its roles (publisher, gateway).
import type { Logger } from 'pino';
import type { AgentConfig } from '../core/config-schema.js';
import type { NodeHeartbeat } from '../core/hub-api.js';
import type { HubClient } from '../client/hub-client.js';
import type { OwnPublisherLink } from './own-publisher-link.js';
import type { BackgroundFailureMetrics } from './background-failures.js';

/** What one role adds to the node's heartbeat. */
export type RoleReport = Partial<Omit<NodeHeartbeat, 'node' | 'roles' | 'ready'>>;

/** A running part of the agent. */
export interface AgentRole {
  readonly name: 'publisher' | 'gateway';
  /** Stops watching/consuming, finishes the write in hand, and resolves when nothing is in flight. */
  stop(): Promise<void>;
  /** True once the role may be reported ready (e.g. the gateway's first sync under data_retrieval_mode = "sync"). */
  isReady(): boolean;
  /** This role's part of the heartbeat. */
  report(): RoleReport;
}

/** Tells what the agent's gateway side wrote, so the publisher never pushes it back (guarantee 4 in docs/guarantees.md). */
export interface EchoFilter {
  /** True when the file at `path` holds exactly what this node's gateway wrote there (sha256 null: it removed it). */
  isOwnWrite(path: string, sha256: string | null): boolean;
}

/** Everything a role receives from the composition root. */
export interface AgentRoleDeps {
  config: AgentConfig;
  logger: Logger;
  hub: HubClient;
  echoFilter: EchoFilter;
  /** Set on a node that publishes: the gateway asks it before writing older hub content over the publisher's tree. */
  ownPublisher?: OwnPublisherLink;
  /** Where the publisher counts hub errors (agent-metrics.ts); absent in tests that do not look. */
  publisherMetrics?: PublisherMetrics;
}

/** The publisher's counters. */
export interface PublisherMetrics extends BackgroundFailureMetrics {
  /** One push the hub answered with an error of its own (5xx other than unavailable), by code. */
  countHubError(code: string): void;
}
