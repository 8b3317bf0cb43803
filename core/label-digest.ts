// A label's digest: XOR over its heads of sha1(path "\n" sha256), kept incrementally by the hub's Lua and the gateway.
import { createHash } from 'node:crypto';

/** The digest of an empty label. */
export const EMPTY_DIGEST = '0'.repeat(40);

/** The term one head contributes; XOR-ing it in adds the head, XOR-ing it again removes it. */
export function digestTerm(path: string, sha256: string): string {
  return createHash('sha1').update(`${path}\n${sha256}`).digest('hex');
}

/** XOR of two 40-hex-char digests. */
export function xorDigest(a: string, b: string): string {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  for (let i = 0; i < left.length; i += 1) left[i] = (left[i] as number) ^ (right[i] as number);
  return left.toString('hex');
}

/** The digest of a whole set of heads (path → sha256). */
export function digestOf(heads: Iterable<readonly [string, string]>): string {
  const acc = Buffer.alloc(20);
  for (const [path, sha256] of heads) {
    const term = createHash('sha1').update(`${path}\n${sha256}`).digest();
    for (let i = 0; i < 20; i += 1) acc[i] = (acc[i] as number) ^ (term[i] as number);
  }
  return acc.toString('hex');
}
