// A stand-in hub for publisher integration tests: only changesets and snapshot, in memory, with an outage switch.
import { createHash } from 'node:crypto';
import { fastify, type FastifyInstance } from 'fastify';
import type { ChangesetItemResult, ChangesetRequest, Snapshot } from '../../../core/hub-api.js';

interface Head {
  version: number;
  sha256: string;
  content: Buffer;
}

/** An in-memory hub speaking the two routes a publisher uses. */
export class FakeHub {
  readonly heads = new Map<string, Map<string, Head>>();
  readonly requests: ChangesetRequest[] = [];
  /** Every version ever stored, per label and path, for "only complete versions" checks. */
  readonly history = new Map<string, Buffer[]>();
  down = false;
  rejectConflicts = false;
  private revision = 0;
  private app: FastifyInstance | undefined;
  url = '';

  /** Starts listening on a free loopback port. */
  async start(): Promise<void> {
    const app = fastify({ bodyLimit: 64 * 1024 * 1024 });
    app.post<{ Params: { label: string }; Body: ChangesetRequest }>('/v1/labels/:label/changesets', (request, reply) => {
      if (this.down) return reply.code(503).send({ error: { code: 'ARTISYNC_HUB_UNREACHABLE', message: 'down' } });
      this.requests.push(request.body);
      return this.commit(request.params.label, request.body);
    });
    app.get<{ Params: { label: string } }>('/v1/labels/:label/snapshot', (request, reply) => {
      if (this.down) return reply.code(503).send({ error: { code: 'ARTISYNC_HUB_UNREACHABLE', message: 'down' } });
      return this.snapshot(request.params.label);
    });
    this.url = await app.listen({ host: '127.0.0.1', port: 0 });
    this.app = app;
  }

  /** Stops listening. */
  async stop(): Promise<void> {
    await this.app?.close();
  }

  /** A label's heads as path → content (utf8). */
  contents(label: string): Record<string, string> {
    return Object.fromEntries([...(this.heads.get(label) ?? new Map<string, Head>())].map(([path, head]) => [path, head.content.toString('utf8')]));
  }

  /** Seeds a head directly. */
  seed(label: string, path: string, content: string): void {
    this.write(label, path, Buffer.from(content));
  }

  private commit(label: string, body: ChangesetRequest): { revision: string | null; results: ChangesetItemResult[] } {
    const results: ChangesetItemResult[] = [];
    let changed = false;
    for (const change of body.changes) {
      const head = this.heads.get(label)?.get(change.path);
      if (this.rejectConflicts && change.baseVersion !== undefined && head !== undefined && head.version !== change.baseVersion) {
        results.push({ path: change.path, op: change.op, status: 409, error: { code: 'ARTISYNC_CONFLICT', message: 'base version is not the head' } });
        continue;
      }
      const content = change.op === 'put' ? Buffer.from(change.content ?? '', 'base64') : undefined;
      const unchanged = content === undefined ? head === undefined : head?.sha256 === sha(content);
      if (!unchanged) changed = true;
      if (content === undefined) this.heads.get(label)?.delete(change.path);
      else if (!unchanged) this.write(label, change.path, content);
      const now = this.heads.get(label)?.get(change.path);
      const result = { path: change.path, op: change.op, version: now?.version ?? 0, sha256: now?.sha256 ?? '', revision: null, unchanged, conflict: false };
      results.push({ path: change.path, op: change.op, status: 200, result });
    }
    return { revision: changed ? `${++this.revision}-0` : null, results };
  }

  private write(label: string, path: string, content: Buffer): void {
    let heads = this.heads.get(label);
    if (heads === undefined) {
      heads = new Map();
      this.heads.set(label, heads);
    }
    heads.set(path, { version: (heads.get(path)?.version ?? 0) + 1, sha256: sha(content), content });
    const key = `${label}\n${path}`;
    this.history.set(key, [...(this.history.get(key) ?? []), content]);
  }

  private snapshot(label: string): Snapshot {
    const artifacts = [...(this.heads.get(label) ?? new Map<string, Head>())].map(([path, head]) => ({
      path, version: head.version, sha256: head.sha256, size: head.content.length, updatedAt: 0, node: 'seed',
    }));
    return { label, revision: `${this.revision}-0`, digest: '', artifacts };
  }
}

function sha(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}
