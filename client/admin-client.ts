// HTTP client of a running agent's node-local admin API, used by the override, redeploy, undeploy and verify commands.
import { ArtisyncError, NotFoundError, UnavailableError, ERROR_CODES, type ErrorCode } from '../core/errors.js';
import type { ErrorBody } from '../core/hub-api.js';
import {
  ADMIN_ROUTES,
  type ArtifactStatus,
  type ClearOverridesReply,
  type ConfirmDeletesReply,
  type HeldDeletes,
  type Override,
  type RedeployReply,
  type VerifyReport,
} from '../agent/admin/admin-routes.js';

/** Talks to one agent's admin API. */
export class AdminClient {
  private readonly base: string;

  constructor(baseUrl: string, private readonly timeoutMs = 60_000) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  /** Every artifact with its state on that node. */
  artifacts(): Promise<ArtifactStatus[]> {
    return this.json<ArtifactStatus[]>('GET', ADMIN_ROUTES.artifacts);
  }

  /** One artifact's state. */
  artifact(path: string): Promise<ArtifactStatus> {
    return this.json<ArtifactStatus>('GET', `${ADMIN_ROUTES.artifact}?path=${encodeURIComponent(path)}`);
  }

  /** Rewrites the hub's version of a path on that node, releasing any override. */
  redeploy(path: string): Promise<RedeployReply> {
    return this.json<RedeployReply>('POST', ADMIN_ROUTES.redeploy, { path });
  }

  /** Removes a path on that node only, until redeploy. */
  async undeploy(path: string): Promise<void> {
    await this.json<unknown>('POST', ADMIN_ROUTES.undeploy, { path });
  }

  /** The node's overrides. */
  overrides(): Promise<Override[]> {
    return this.json<Override[]>('GET', ADMIN_ROUTES.overrides);
  }

  /** Releases one override, or all, bringing the hub's versions back. */
  clearOverrides(target: { path: string } | { all: true }): Promise<ClearOverridesReply> {
    return this.json<ClearOverridesReply>('POST', ADMIN_ROUTES.clearOverrides, target);
  }

  /** The deletes that node's publisher holds, per label, with their paths. */
  heldDeletes(): Promise<HeldDeletes[]> {
    return this.json<HeldDeletes[]>('GET', ADMIN_ROUTES.deletes);
  }

  /** Releases a label's held deletes on that node. */
  confirmDeletes(label: string): Promise<ConfirmDeletesReply> {
    return this.json<ConfirmDeletesReply>('POST', ADMIN_ROUTES.confirmDeletes, { label });
  }

  /** Drift between that node's disk and the hub. */
  verify(): Promise<VerifyReport> {
    return this.json<VerifyReport>('GET', ADMIN_ROUTES.verify);
  }

  private async json<T>(method: string, route: string, body?: unknown): Promise<T> {
    const url = `${this.base}${route}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const reason = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new UnavailableError('ARTISYNC_ADMIN_UNREACHABLE', `agent admin API unreachable at ${this.base} (${reason}); is the agent running? use --admin URL or --config agent.toml`, { subject: this.base, cause: err });
    }
    const text = await response.text();
    if (response.ok) return JSON.parse(text) as T;
    let error: ErrorBody['error'] | undefined;
    try {
      error = (JSON.parse(text) as ErrorBody).error;
    } catch {
      error = undefined;
    }
    const code = error !== undefined && error.code in ERROR_CODES ? (error.code as ErrorCode) : 'ARTISYNC_INTERNAL';
    const message = error?.message ?? `${method} ${url} answered ${response.status}`;
    if (response.status === 404) throw new NotFoundError(code, message, { subject: error?.subject });
    throw new ArtisyncError(code, message, { subject: error?.subject });
  }
}
