// Turns an artifact's bytes into text exactly once: strict UTF-8, or ISO-8859-1 where an XML declaration says so.
import { Buffer } from 'node:buffer';
import { positionInBytes } from './text-position.js';

/** Text decoded from an artifact; `truncatedChar` means the bytes end inside a multi-byte UTF-8 character. */
export interface DecodedText {
  ok: true;
  text: string;
  truncatedChar: boolean;
}

/** Why an artifact's bytes could not be decoded, with the 1-based position of the first offending byte. */
export interface DecodeFailure {
  ok: false;
  code: 'ARTISYNC_ENCODING_INVALID' | 'ARTISYNC_ENCODING_UNSUPPORTED';
  line: number;
  column: number;
  message: string;
}

const UTF8_NAMES = new Set(['UTF-8', 'UTF8']);
const LATIN1_NAMES = new Set(['ISO-8859-1', 'ISO8859-1', 'ISO_8859-1', 'LATIN1']);
const DECLARATION_WINDOW_BYTES = 1024;
const ENCODING_ATTRIBUTE = /\sencoding\s*=\s*(["'])([^"']*)\1/;
// ignoreBOM keeps a BOM in the output instead of silently eating it: callers strip it themselves, once.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes strict UTF-8 (a leading BOM skipped); an incomplete character at the very end is reported, not failed. */
export function decodeUtf8Text(bytes: Uint8Array): DecodedText | DecodeFailure {
  const start = hasUtf8Bom(bytes) ? 3 : 0;
  try {
    return { ok: true, text: utf8.decode(bytes.subarray(start)), truncatedChar: false };
  } catch {
    const bad = findInvalidUtf8(bytes, start);
    if (bad === undefined || !bad.atEnd) {
      const offset = bad?.offset ?? start;
      const { line, column } = positionInBytes(bytes, offset);
      const shown = (bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, '0');
      return { ok: false, code: 'ARTISYNC_ENCODING_INVALID', line, column, message: `byte 0x${shown} is not valid UTF-8` };
    }
    return { ok: true, text: utf8.decode(bytes.subarray(start, bad.offset)), truncatedChar: true };
  }
}

/** Decodes an XML file in the encoding its declaration names (UTF-8 when none); other encodings are refused. */
export function decodeXmlText(bytes: Uint8Array): DecodedText | DecodeFailure {
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe)) {
    return unsupported(1, 'UTF-16 (byte-order mark)');
  }
  const bom = hasUtf8Bom(bytes);
  const declared = declaredEncoding(bytes, bom ? 3 : 0);
  if (declared === undefined || UTF8_NAMES.has(declared.name.toUpperCase())) return decodeUtf8Text(bytes);
  if (!LATIN1_NAMES.has(declared.name.toUpperCase())) return unsupported(declared.column, declared.name);
  if (bom) {
    return {
      ok: false,
      code: 'ARTISYNC_ENCODING_INVALID',
      line: 1,
      column: declared.column,
      message: `the file starts with a UTF-8 byte-order mark but declares encoding "${declared.name}"`,
    };
  }
  return { ok: true, text: decodeLatin1(bytes), truncatedChar: false };
}

function unsupported(column: number, name: string): DecodeFailure {
  return {
    ok: false,
    code: 'ARTISYNC_ENCODING_UNSUPPORTED',
    line: 1,
    column,
    message: `encoding ${name} is not supported: save the file as UTF-8 or ISO-8859-1`,
  };
}

function hasUtf8Bom(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

// The declaration is ASCII in every encoding we accept, so it can be read before the file is decoded.
function declaredEncoding(bytes: Uint8Array, start: number): { name: string; column: number } | undefined {
  if (bytes[start] !== 0x3c || bytes[start + 1] !== 0x3f) return undefined;
  const head = decodeLatin1(bytes.subarray(start, start + DECLARATION_WINDOW_BYTES));
  if (!head.startsWith('<?xml')) return undefined;
  const end = head.indexOf('?>');
  const match = ENCODING_ATTRIBUTE.exec(end === -1 ? head : head.slice(0, end));
  if (match === null || end === -1) return undefined;
  const valueStart = match.index + match[0].length - (match[2]?.length ?? 0) - 1;
  return { name: match[2] ?? '', column: valueStart + 1 };
}

// Not TextDecoder('latin1'): WHATWG maps that label to windows-1252, which differs from ISO-8859-1 in 0x80-0x9F.
function decodeLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

// Mirrors the WHATWG decoder's rules (no overlongs, no surrogates, nothing above U+10FFFF) to locate the first bad
// byte; only runs once the native decoder has already refused the bytes.
function findInvalidUtf8(bytes: Uint8Array, start: number): { offset: number; atEnd: boolean } | undefined {
  let i = start;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    const rule = continuationRule(lead);
    if (rule === undefined) return { offset: i, atEnd: false };
    let { low, high } = rule;
    for (let k = 1; k <= rule.count; k += 1) {
      if (i + k >= bytes.length) return { offset: i, atEnd: true };
      const next = bytes[i + k] ?? 0;
      if (next < low || next > high) return { offset: i, atEnd: false };
      low = 0x80;
      high = 0xbf;
    }
    i += rule.count + 1;
  }
  return undefined;
}

function continuationRule(lead: number): { count: number; low: number; high: number } | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return { count: 1, low: 0x80, high: 0xbf };
  if (lead === 0xe0) return { count: 2, low: 0xa0, high: 0xbf };
  if (lead === 0xed) return { count: 2, low: 0x80, high: 0x9f };
  if (lead >= 0xe1 && lead <= 0xef) return { count: 2, low: 0x80, high: 0xbf };
  if (lead === 0xf0) return { count: 3, low: 0x90, high: 0xbf };
  if (lead >= 0xf1 && lead <= 0xf3) return { count: 3, low: 0x80, high: 0xbf };
  if (lead === 0xf4) return { count: 3, low: 0x80, high: 0x8f };
  return undefined;
}
