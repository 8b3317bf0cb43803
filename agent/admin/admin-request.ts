// Reads an admin API request on node:http: the JSON body (1 MiB at most), the query, and the one required string field
// a route takes, answering each fault with the status and message the API has always given (fastify's, before).
import type { IncomingMessage } from 'node:http';
import { ArtisyncError } from '../../core/errors.js';

/** Bodies above this are refused with 413, as fastify's default bodyLimit did. */
export const MAX_ADMIN_BODY_BYTES = 1_048_576;

/** A request the admin API refuses before any route sees it (415, 413, a body other than its Content-Length). */
export class AdminRequestError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'AdminRequestError';
  }
}

/** Refuses a body of a media type no route parses (415), before any of it is read. */
export function checkAdminMediaType(request: IncomingMessage): void {
  const mediaType = mediaTypeOf(request);
  if (mediaType !== undefined && mediaType !== 'application/json' && mediaType !== 'text/plain') throw new AdminRequestError(415, 'Unsupported Media Type');
}

/** The request's body parsed as JSON, text as a string, or undefined when it has none; checkAdminMediaType first. */
export async function readAdminBody(request: IncomingMessage): Promise<unknown> {
  const mediaType = mediaTypeOf(request);
  if (mediaType === undefined) return undefined;
  const text = await readBodyText(request);
  if (mediaType !== 'application/json') return text;
  if (text.length === 0) throw new ArtisyncError('ARTISYNC_BAD_REQUEST', "Body cannot be empty when content-type is set to 'application/json'");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ArtisyncError('ARTISYNC_BAD_REQUEST', "Body is not valid JSON but content-type is set to 'application/json'");
  }
}

// undefined: no body at all; '' stands for a body without a Content-Type, which no route parses.
function mediaTypeOf(request: IncomingMessage): string | undefined {
  const contentType = request.headers['content-type'];
  const hasBody = request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] ?? '0') !== '0';
  if (contentType === undefined) return hasBody ? '' : undefined;
  return contentType.split(';')[0]?.trim().toLowerCase() ?? '';
}

async function readBodyText(request: IncomingMessage): Promise<string> {
  const declared = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length']);
  if (declared !== undefined && declared > MAX_ADMIN_BODY_BYTES) {
    request.resume();
    throw new AdminRequestError(413, 'Request body is too large');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ADMIN_BODY_BYTES) {
      request.resume();
      throw new AdminRequestError(413, 'Request body is too large');
    }
    chunks.push(chunk);
  }
  if (declared !== undefined && declared !== size) throw new AdminRequestError(400, 'Request body size did not match Content-Length');
  return Buffer.concat(chunks).toString('utf8');
}

/** The query string's values by name; a repeated name keeps every value. */
export function parseAdminQuery(search: string): Map<string, string[]> {
  const query = new Map<string, string[]>();
  for (const pair of search.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = decodeQueryPart(at === -1 ? pair : pair.slice(0, at));
    const value = at === -1 ? '' : decodeQueryPart(pair.slice(at + 1));
    query.set(name, [...(query.get(name) ?? []), value]);
  }
  return query;
}

function decodeQueryPart(raw: string): string {
  const spaced = raw.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // A malformed escape is kept as written, as fastify's query parser did.
    return spaced;
  }
}

/**
 * The non-empty string `field` of `source` (a body object, or the query's values), checked and coerced as the routes'
 * JSON schemas did under fastify: numbers and booleans become strings, null an empty string, a one-item list its item.
 */
export function requireAdminString(source: unknown, where: 'body' | 'querystring', field: string): string {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) throw badRequest(`${where} must be object`);
  const raw = source instanceof Map ? (source as Map<string, unknown>).get(field) : (source as Record<string, unknown>)[field];
  if (raw === undefined) throw badRequest(`${where} must have required property '${field}'`);
  const value = coerceToString(Array.isArray(raw) && raw.length === 1 ? raw[0] : raw);
  if (value === undefined) throw badRequest(`${where}/${field} must be string`);
  if (value.length === 0) throw badRequest(`${where}/${field} must NOT have fewer than 1 characters`);
  return value;
}

function coerceToString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return '';
  return undefined;
}

function badRequest(message: string): ArtisyncError {
  return new ArtisyncError('ARTISYNC_BAD_REQUEST', message);
}
