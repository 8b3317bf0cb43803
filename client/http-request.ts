// One HTTP request over node:http(s) with keep-alive, its reply buffered whole: what the hub client sends instead of
// fetch, whose first use loads undici (~15 MB of RSS in every agent) for nothing the hub API needs.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** A buffered reply: the subset of fetch's Response the hub client reads. */
export interface HttpReply {
  status: number;
  ok: boolean;
  text(): Promise<string>;
  json(): Promise<unknown>;
  /** The body as received, not copied. */
  bytes(): Promise<Buffer>;
}

/** What to send. */
export interface HttpRequestInit {
  method: string;
  headers: Record<string, string>;
  /** A list of chunks is sent in order without joining them first. */
  body?: Uint8Array | string | readonly Uint8Array[] | undefined;
  timeoutMs: number;
}

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** Sends `init` to `url`; rejects on a connection failure or when no complete reply came within `timeoutMs`. */
export function sendHttpRequest(url: string, init: HttpRequestInit): Promise<HttpReply> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const headers: Record<string, string | number> = { ...init.headers };
  const chunks = init.body === undefined ? [] : typeof init.body === 'string' || init.body instanceof Uint8Array ? [init.body] : init.body;
  if (init.body !== undefined) headers['content-length'] = chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk), 0);
  return new Promise((resolve, reject) => {
    const send = secure ? httpsRequest : httpRequest;
    const request = send(target, { method: init.method, headers, agent: secure ? agents.https : agents.http }, (response) => {
      readBody(response).then((body) => resolve(bufferedReply(response.statusCode ?? 0, body)), reject);
    });
    const timer = setTimeout(() => request.destroy(new Error(`no reply within ${init.timeoutMs} ms`)), init.timeoutMs);
    request.once('close', () => clearTimeout(timer));
    request.once('error', reject);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

function readBody(response: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.once('end', () => resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks)));
    response.once('error', reject);
    response.once('aborted', () => reject(new Error('reply cut off')));
  });
}

function bufferedReply(status: number, body: Buffer): HttpReply {
  return {
    status,
    ok: status >= 200 && status < 300,
    text: () => Promise.resolve(body.toString('utf8')),
    json: () => Promise.resolve(JSON.parse(body.toString('utf8')) as unknown),
    bytes: () => Promise.resolve(body),
  };
}
