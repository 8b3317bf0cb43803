// Checks a Carbon application archive (.car) from its bytes: a complete zip whose central directory lists an
// `artifacts.xml` at its root, entries that stay inside the archive, and an artifacts.xml that is well-formed XML.
import { inflateRawSync } from 'node:zlib';
import { decodeXmlText } from './decode-artifact-text.js';
import type { ErrorCode } from './errors.js';
import { scanXmlStructure } from './scan-xml-structure.js';

/** One problem with an archive; `ARTISYNC_INCOMPLETE` means it looks cut short (still being copied). */
export interface CarbonAppProblem {
  code: ErrorCode;
  message: string;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
const END_RECORD_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const STORED = 0;
const DEFLATED = 8;
/** artifacts.xml lists a few dozen artifacts; anything this large is not one (and inflating it is bounded by it). */
const MAX_DESCRIPTOR_BYTES = 1_048_576;
const DESCRIPTOR = 'artifacts.xml';

interface CentralEntry {
  name: string;
  method: number;
  compressedSize: number;
  localOffset: number;
}

/** The first problem with a .car file's bytes, or undefined when it may travel. */
export function checkCarbonApp(bytes: Uint8Array): CarbonAppProblem | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const end = findEndRecord(buffer);
  if (end === undefined) {
    // A copy in progress has the local headers already and the directory (written last) not yet.
    if (buffer.length < 4 || buffer.readUInt32LE(0) === LOCAL_HEADER) return { code: 'ARTISYNC_INCOMPLETE', message: 'the archive has no end-of-central-directory record yet (still being written?)' };
    return invalid('not a zip archive (a .car file must be one)');
  }
  const count = buffer.readUInt16LE(end + 10);
  const size = buffer.readUInt32LE(end + 12);
  const offset = buffer.readUInt32LE(end + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) return invalid('ZIP64 archives are not supported');
  if (offset + size > end) return invalid('the central directory lies outside the archive');
  const entries = readCentralDirectory(buffer, offset, count);
  if (typeof entries === 'string') return invalid(entries);
  const unsafe = entries.find((entry) => escapesArchive(entry.name));
  if (unsafe !== undefined) return invalid(`entry ${JSON.stringify(unsafe.name)} would be extracted outside the application folder`);
  const descriptor = entries.find((entry) => entry.name === DESCRIPTOR);
  if (descriptor === undefined) return invalid(`no ${DESCRIPTOR} at the archive's root: Carbon cannot deploy it`);
  const content = readEntry(buffer, descriptor);
  if (typeof content === 'string') return invalid(content);
  return checkDescriptor(content);
}

function invalid(message: string): CarbonAppProblem {
  return { code: 'ARTISYNC_CARBON_APP_INVALID', message };
}

function findEndRecord(buffer: Buffer): number | undefined {
  const lowest = Math.max(0, buffer.length - END_RECORD_BYTES - MAX_COMMENT_BYTES);
  for (let at = buffer.length - END_RECORD_BYTES; at >= lowest; at -= 1) {
    if (buffer.readUInt32LE(at) === END_OF_DIRECTORY && at + END_RECORD_BYTES + buffer.readUInt16LE(at + 20) === buffer.length) return at;
  }
  return undefined;
}

function readCentralDirectory(buffer: Buffer, offset: number, count: number): CentralEntry[] | string {
  const entries: CentralEntry[] = [];
  let at = offset;
  for (let index = 0; index < count; index += 1) {
    if (at + 46 > buffer.length || buffer.readUInt32LE(at) !== CENTRAL_HEADER) return `central directory entry ${index + 1} of ${count} is damaged`;
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    entries.push({
      name: buffer.toString('utf8', at + 46, at + 46 + nameLength),
      method: buffer.readUInt16LE(at + 10),
      compressedSize: buffer.readUInt32LE(at + 20),
      localOffset: buffer.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function escapesArchive(name: string): boolean {
  return name.startsWith('/') || name.includes('\\') || name.includes('\0') || name.split('/').some((segment) => segment === '..');
}

function readEntry(buffer: Buffer, entry: CentralEntry): Buffer | string {
  const at = entry.localOffset;
  if (at + 30 > buffer.length || buffer.readUInt32LE(at) !== LOCAL_HEADER) return `the local header of ${entry.name} is damaged`;
  const start = at + 30 + buffer.readUInt16LE(at + 26) + buffer.readUInt16LE(at + 28);
  const data = buffer.subarray(start, start + entry.compressedSize);
  if (data.length !== entry.compressedSize) return `${entry.name} runs past the end of the archive`;
  if (entry.method === STORED) return data.length > MAX_DESCRIPTOR_BYTES ? `${entry.name} is over ${MAX_DESCRIPTOR_BYTES} bytes` : data;
  if (entry.method !== DEFLATED) return `${entry.name} uses compression method ${entry.method}; only stored and deflated entries are read`;
  try {
    return inflateRawSync(data, { maxOutputLength: MAX_DESCRIPTOR_BYTES });
  } catch (err) {
    return `${entry.name} cannot be inflated: ${(err as Error).message}`;
  }
}

function checkDescriptor(bytes: Uint8Array): CarbonAppProblem | undefined {
  const decoded = decodeXmlText(bytes);
  if (!decoded.ok) return invalid(`${DESCRIPTOR}: ${decoded.message}`);
  const structure = scanXmlStructure(decoded.text);
  if (structure.state === 'problem') return invalid(`${DESCRIPTOR}: ${structure.problem.message}`);
  if (structure.state === 'open') return invalid(`${DESCRIPTOR} ends before its XML document does`);
  const name = structure.root.qualifiedName.slice(structure.root.qualifiedName.indexOf(':') + 1);
  if (name !== 'artifacts') return invalid(`${DESCRIPTOR} has root element <${name}>, expected <artifacts>`);
  return undefined;
}
