// How artifact content is stored in a Redis blob: deflated when that saves space, raw otherwise, tagged by a first byte.
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync, constants } from 'node:zlib';

const RAW = 0x72; // 'r'
const DEFLATE = 0x7a; // 'z'
// Below this size deflate rarely pays for its header and the CPU.
const MIN_COMPRESS_BYTES = 256;

/** sha256 hex of an artifact's raw bytes: its identity in the store. */
export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Encodes raw content for storage: a tag byte, then deflate-raw output when it is smaller, else the bytes as they are. */
export function encodeBlob(raw: Uint8Array): Buffer {
  if (raw.length >= MIN_COMPRESS_BYTES) {
    const packed = deflateRawSync(raw, { level: constants.Z_BEST_SPEED });
    if (packed.length + 1 < raw.length) return Buffer.concat([Buffer.of(DEFLATE), packed]);
  }
  return Buffer.concat([Buffer.of(RAW), raw]);
}

/** Decodes a stored blob back to the artifact's raw bytes; throws on an unknown tag. */
export function decodeBlob(stored: Buffer): Buffer {
  const tag = stored[0];
  if (tag === RAW) return stored.subarray(1);
  if (tag === DEFLATE) return inflateRawSync(stored.subarray(1));
  throw new Error(`stored blob has unknown encoding tag ${String(tag)}`);
}
