// The binary changeset body: what the client encodes the hub splits back, byte for byte, and a frame that does not add
// up is refused with a message saying what is wrong.
import { describe, expect, it } from 'vitest';
import { contentsOfFrame, encodeChangesetFrame, splitChangesetFrame, type FrameHeader } from '../../core/changeset-frame.js';
import { ArtisyncError } from '../../core/errors.js';

const frame = (chunks: Uint8Array[]) => Buffer.concat(chunks);

function badRequest(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ArtisyncError);
    expect((err as ArtisyncError).code).toBe('ARTISYNC_BAD_REQUEST');
    return (err as Error).message;
  }
  throw new Error('expected ARTISYNC_BAD_REQUEST');
}

describe('changeset frames', () => {
  it('carries puts with their bytes (binary, empty, non-ASCII paths) and deletes', () => {
    const binary = Buffer.from([0, 255, 10, 13, 0x7b]);
    const body = frame(encodeChangesetFrame({
      node: 'pub-1', requestId: 'r-1',
      changes: [
        { op: 'put', path: 'synapse-configs/default/api/Ä.xml', content: Buffer.from('<api/>'), baseVersion: 3 },
        { op: 'delete', path: 'synapse-configs/default/api/Old.xml' },
        { op: 'put', path: 'synapse-configs/default/api/Empty.xml', content: Buffer.alloc(0) },
        { op: 'put', path: 'synapse-configs/default/api/Bin.xml', content: binary },
      ],
    }));
    const { header, contents } = splitChangesetFrame(body);
    const { changes, node, requestId } = header as FrameHeader;
    expect({ node, requestId }).toEqual({ node: 'pub-1', requestId: 'r-1' });
    expect(changes.map((change) => [change.op, change.path, change.size, change.baseVersion])).toEqual([
      ['put', 'synapse-configs/default/api/Ä.xml', 6, 3],
      ['delete', 'synapse-configs/default/api/Old.xml', undefined, undefined],
      ['put', 'synapse-configs/default/api/Empty.xml', 0, undefined],
      ['put', 'synapse-configs/default/api/Bin.xml', 5, undefined],
    ]);
    const cut = contentsOfFrame(changes, contents);
    expect(cut.map((piece) => piece?.toString('hex'))).toEqual([Buffer.from('<api/>').toString('hex'), undefined, '', binary.toString('hex')]);
  });

  it('refuses a body shorter than its header length', () => {
    expect(badRequest(() => splitChangesetFrame(Buffer.from([0, 0])))).toMatch(/shorter than the 4-byte header length/);
    expect(badRequest(() => splitChangesetFrame(Buffer.from([0, 0, 1, 0, 123])))).toMatch(/says 256 bytes but only 1 follow/);
  });

  it('refuses a header that is not JSON', () => {
    const body = Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{x}')]);
    expect(badRequest(() => splitChangesetFrame(body))).toMatch(/changeset frame: the header is not JSON/);
  });

  it('refuses sizes that do not add up to the bytes after the header', () => {
    const changes = [{ op: 'put' as const, path: 'a.xml', size: 4 }];
    expect(badRequest(() => contentsOfFrame(changes, Buffer.from('abc')))).toMatch(/add up to 4 bytes but 3 follow/);
    expect(badRequest(() => contentsOfFrame(changes, Buffer.from('abcde')))).toMatch(/add up to 4 bytes but 5 follow/);
  });
});
