// HTTP client of the hub API, used by agents and by the CLI; every failure becomes a typed ArtisyncError.
import {
  HUB_HEADERS,
  HUB_ROUTES,
  hubRoute,
  type ChangesetRequest,
  type ChangesetResponse,
  type DigestReply,
  type ErrorBody,
  type HistoryEntry,
  type NodeForgetResult,
  type NodeHeartbeat,
  type NodeStatus,
  type PutResult,
  type ReplayRequest,
  type ReplayResult,
  type RollbackRequest,
  type Snapshot,
  type VersionsReply,
} from '../core/hub-api.js';
import { sendHttpRequest, type HttpReply, type HttpRequestInit } from './http-request.js';
import { CHANGESET_FRAME_TYPE, encodeChangesetFrame } from '../core/changeset-frame.js';
import { ArtisyncError, UnavailableError, errorClassOf, type ErrorCode, ERROR_CODES } from '../core/errors.js';

/** Where the hub is and how to authenticate. */
export interface HubClientOptions {
  hubUrl: string;
  token: string | undefined;
  node?: string;
  /** Per-request timeout; a hub that does not answer in time counts as unreachable. */
  timeoutMs?: number;
}

/** Options of a single artifact put or delete. */
export interface WriteOptions {
  baseVersion?: number;
  requestId?: string;
}

/** Talks to one hub over HTTP. */
export class HubClient {
  private readonly base: string;

  constructor(private readonly options: HubClientOptions) {
    this.base = options.hubUrl.replace(/\/+$/, '');
  }

  /** Puts one artifact's content into a label. */
  async putArtifact(label: string, path: string, content: Uint8Array, write: WriteOptions = {}): Promise<PutResult> {
    const response = await this.request('PUT', artifactUrl(label, path), {
      body: content,
      contentType: 'application/octet-stream',
      headers: writeHeaders(write),
    });
    return (await response.json()) as PutResult;
  }

  /** Deletes one artifact from a label. */
  async deleteArtifact(label: string, path: string, write: WriteOptions = {}): Promise<PutResult> {
    const response = await this.request('DELETE', artifactUrl(label, path), { headers: writeHeaders(write) });
    return (await response.json()) as PutResult;
  }

  /** Commits several changes as one revision; per-item results say what each became. */
  async pushChangeset(label: string, changeset: ChangesetRequest): Promise<ChangesetResponse> {
    const body = encodeChangesetFrame({ node: this.options.node, ...changeset });
    const response = await this.request('POST', hubRoute(HUB_ROUTES.changesets, { label }), { body, contentType: CHANGESET_FRAME_TYPE });
    return (await response.json()) as ChangesetResponse;
  }

  /** Content of an artifact's head, or of one version. */
  async getArtifact(label: string, path: string, version?: number): Promise<Buffer> {
    const query = version === undefined ? '' : `&version=${version}`;
    const response = await this.request('GET', `${artifactUrl(label, path)}${query}`);
    return response.bytes();
  }

  /** Every head of a label and the revision they are consistent with. */
  async snapshot(label: string): Promise<Snapshot> {
    return this.getJson<Snapshot>(hubRoute(HUB_ROUTES.snapshot, { label }));
  }

  /** A label's digest and revision. */
  async digest(label: string): Promise<DigestReply> {
    return this.getJson<DigestReply>(hubRoute(HUB_ROUTES.digest, { label }));
  }

  /** The last version the hub gave out per path of a label, deletes included. */
  async versions(label: string): Promise<VersionsReply> {
    return this.getJson<VersionsReply>(hubRoute(HUB_ROUTES.versions, { label }));
  }

  /** Versions of one artifact, newest first. */
  async history(label: string, path: string): Promise<HistoryEntry[]> {
    return this.getJson<HistoryEntry[]>(`${hubRoute(HUB_ROUTES.history, { label })}?path=${encodeURIComponent(path)}`);
  }

  /** Unified diff between two versions (defaults: previous → current). */
  async diff(label: string, path: string, from?: number, to?: number): Promise<string> {
    const query = new URLSearchParams({ path });
    if (from !== undefined) query.set('from', String(from));
    if (to !== undefined) query.set('to', String(to));
    const response = await this.request('GET', `${hubRoute(HUB_ROUTES.diff, { label })}?${query.toString()}`);
    return response.text();
  }

  /** Publishes an old version's content as a new version. */
  async rollback(label: string, body: RollbackRequest): Promise<PutResult> {
    return this.postJson<PutResult>(hubRoute(HUB_ROUTES.rollback, { label }), body);
  }

  /** Rewinds a node's consumer group on a label. */
  async replay(label: string, body: ReplayRequest): Promise<ReplayResult> {
    return this.postJson<ReplayResult>(hubRoute(HUB_ROUTES.replay, { label }), body);
  }

  /** Every label the hub knows. */
  async labels(): Promise<string[]> {
    return this.getJson<string[]>(HUB_ROUTES.labels);
  }

  /** Raw content of a blob by sha256. */
  async blob(sha256: string): Promise<Buffer> {
    const response = await this.request('GET', hubRoute(HUB_ROUTES.blob, { sha256 }));
    return response.bytes();
  }

  /** Reports this node's state. */
  async heartbeat(body: NodeHeartbeat): Promise<void> {
    await this.request('POST', HUB_ROUTES.heartbeat, { body: JSON.stringify(body), contentType: 'application/json' });
  }

  /** Every node that has sent a heartbeat. */
  async nodes(): Promise<NodeStatus[]> {
    return this.getJson<NodeStatus[]>(HUB_ROUTES.nodes);
  }

  /** Removes a retired node from the node list and its consumer groups (admin scope). */
  async forgetNode(node: string): Promise<NodeForgetResult> {
    return (await (await this.request('DELETE', hubRoute(HUB_ROUTES.node, { node }))).json()) as NodeForgetResult;
  }

  private async getJson<T>(url: string): Promise<T> {
    return (await (await this.request('GET', url)).json()) as T;
  }

  private async postJson<T>(url: string, body: unknown): Promise<T> {
    return (await (await this.request('POST', url, { body: JSON.stringify(body), contentType: 'application/json' })).json()) as T;
  }

  private async request(
    method: string,
    url: string,
    init: { body?: HttpRequestInit['body']; contentType?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpReply> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
    if (this.options.node !== undefined) headers[HUB_HEADERS.node] = this.options.node;
    if (init.contentType !== undefined) headers['content-type'] = init.contentType;
    const where = `${method} ${this.base}${url}`;
    let response: HttpReply;
    try {
      response = await sendHttpRequest(`${this.base}${url}`, { method, headers, body: init.body, timeoutMs: this.options.timeoutMs ?? 30_000 });
    } catch (err) {
      throw new UnavailableError('ARTISYNC_HUB_UNREACHABLE', `hub unreachable (${where}): ${causeOf(err)}`, { subject: this.base, cause: err });
    }
    if (response.ok) return response;
    throw await errorFromResponse(response, where);
  }
}

function artifactUrl(label: string, path: string): string {
  return `${hubRoute(HUB_ROUTES.artifact, { label })}?path=${encodeURIComponent(path)}`;
}

function writeHeaders(write: WriteOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  if (write.baseVersion !== undefined) headers[HUB_HEADERS.baseVersion] = String(write.baseVersion);
  if (write.requestId !== undefined) headers[HUB_HEADERS.requestId] = write.requestId;
  return headers;
}

function causeOf(err: unknown): string {
  if (err instanceof Error && err.cause instanceof Error) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

async function errorFromResponse(response: HttpReply, where: string): Promise<ArtisyncError> {
  const text = await response.text();
  let body: ErrorBody | undefined;
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch {
    body = undefined;
  }
  const code = (body?.error?.code ?? '') in ERROR_CODES ? (body?.error.code as ErrorCode) : codeOfBareStatus(response.status);
  const message = `${where} answered ${response.status}: ${body?.error?.message ?? text.slice(0, 200)}`;
  return new (errorClassOf(code))(code, message, { subject: body?.error?.subject });
}

/** The code of a reply without an artisync error body, e.g. from a proxy in front of the hub. */
function codeOfBareStatus(status: number): ErrorCode {
  // A proxy's 502/503/504 means the hub behind it did not answer.
  if (status === 502 || status === 503 || status === 504) return 'ARTISYNC_HUB_UNREACHABLE';
  if (status === 404) return 'ARTISYNC_NOT_FOUND';
  if (status === 409) return 'ARTISYNC_CONFLICT';
  return status >= 400 && status < 500 ? 'ARTISYNC_BAD_REQUEST' : 'ARTISYNC_INTERNAL';
}
