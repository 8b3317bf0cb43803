// 1-based line and column of an offset, computed only when a problem is reported so the happy path pays nothing.

/** A 1-based line and column. */
export interface TextPosition {
  line: number;
  column: number;
}

/** Line and column (both 1-based, column in UTF-16 code units) of `offset` in `text`. */
export function positionInText(text: string, offset: number): TextPosition {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < end; nl = text.indexOf('\n', nl + 1)) {
    line += 1;
    lineStart = nl + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/** Line and column of a byte offset in UTF-8-ish bytes; the column counts characters (continuation bytes skipped). */
export function positionInBytes(bytes: Uint8Array, offset: number): TextPosition {
  const end = Math.max(0, Math.min(offset, bytes.length));
  let line = 1;
  let column = 1;
  for (let i = 0; i < end; i += 1) {
    const byte = bytes[i] ?? 0;
    if (byte === 0x0a) {
      line += 1;
      column = 1;
    } else if ((byte & 0xc0) !== 0x80) {
      column += 1;
    }
  }
  return { line, column };
}
