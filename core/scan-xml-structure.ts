// One pass over XML text that judges well-formedness (XML 1.0: names, attributes, tags, comments, references) and what
// artisync refuses on top (DOCTYPE, entities, processing instructions), and tells a file merely cut short (a prefix of
// a well-formed one) from a broken one. It replaced fast-xml-parser's validator, which was 9 of every 10 seconds of
// validation (16 MB/s against this scan's 100+ on the bench trees); the tests check it against saxes and that validator.
import type { ErrorCode } from './errors.js';

/** The document's single root element: its qualified name, where it starts, and its attributes. */
export interface XmlRoot {
  qualifiedName: string;
  offset: number;
  attributes: ReadonlyMap<string, string>;
}

/** A problem found by the scan, at a character offset into the text. */
export interface XmlStructureProblem {
  code: ErrorCode;
  offset: number;
  message: string;
}

/**
 * `problem`: rejected; `open`: the text stops inside markup or an element with nothing wrong before that point, so it
 * is a prefix of a well-formed document (still being written); `complete`: well-formed, one root.
 */
export type XmlStructure =
  | { state: 'problem'; problem: XmlStructureProblem }
  | { state: 'open' }
  | { state: 'complete'; root: XmlRoot };

type Step = { kind: 'problem'; problem: XmlStructureProblem } | { kind: 'open' } | undefined;

interface ScanState {
  text: string;
  pos: number;
  stack: string[];
  // Positions of the next '&' and ']]>' at or after the last lookup: searching afresh per text run would be quadratic.
  nextAmp: number;
  nextCdataEnd: number;
  root: { qualifiedName: string; offset: number; tagEnd: number } | undefined;
}

const PREDEFINED_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);
// XML 1.0 allows TAB, LF and CR among the C0 controls; a NUL usually means a binary file.
const FORBIDDEN_CHAR = new RegExp('[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]');
const NON_WHITESPACE = /[^ \t\r\n]/g;
const REFERENCE = /&(?:([A-Za-z_:][\w.:-]*)|#[0-9]+|#x[0-9A-Fa-f]+);/y;
const PARTIAL_REFERENCE = /&(?:#x?[0-9A-Fa-f]*|[A-Za-z_:][\w.:-]*)?$/y;
// XML 1.0 (fifth edition) Name: NameStartChar NameChar*.
const NAME_START = ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME = new RegExp(`[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040]*`, 'uy');
const PI_TARGET = /<\?([^\s?>]*)/y;
const XML_DECLARATION = /<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]+\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\3)?[ \t\r\n]*\?>/y;
const TRAILING_SPACE = /[ \t\r\n]+$/;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const MARKUP_PREFIXES = ['<!--', '<![CDATA[', '<!DOCTYPE', '<!ENTITY'];

const problem = (code: ErrorCode, offset: number, message: string): Step => ({ kind: 'problem', problem: { code, offset, message } });
const OPEN = { kind: 'open' } as const;

/** Scans XML text (BOM already removed) once; never expands or even reads past a DOCTYPE. */
export function scanXmlStructure(text: string): XmlStructure {
  const forbidden = FORBIDDEN_CHAR.exec(text);
  if (forbidden !== null) {
    const code = forbidden[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return finish(newState(text), problem('ARTISYNC_XML_MALFORMED', forbidden.index, `character U+${code} is not allowed in XML (is this a binary file?)`));
  }
  const state = newState(text);
  for (;;) {
    const lt = text.indexOf('<', state.pos);
    const step = checkCharacterData(state, lt === -1 ? text.length : lt) ?? (lt === -1 ? atEnd(state) : scanMarkup(state, lt));
    if (step !== undefined || lt === -1) return finish(state, step);
  }
}

function newState(text: string): ScanState {
  return { text, pos: 0, stack: [], nextAmp: -1, nextCdataEnd: -1, root: undefined };
}

function finish(state: ScanState, step: Step): XmlStructure {
  if (step?.kind === 'problem') return { state: 'problem', problem: step.problem };
  if (step?.kind === 'open') return { state: 'open' };
  const root = state.root;
  if (root === undefined) return { state: 'open' };
  const attributes = new Map<string, string>();
  const tag = state.text.slice(root.offset + 1 + root.qualifiedName.length, root.tagEnd);
  for (const match of tag.matchAll(ATTRIBUTE)) attributes.set(match[1] ?? '', unescapeXml(match[2] ?? match[3] ?? ''));
  return { state: 'complete', root: { qualifiedName: root.qualifiedName, offset: root.offset, attributes } };
}

function atEnd(state: ScanState): Step {
  return state.stack.length > 0 || state.root === undefined ? OPEN : undefined;
}

function checkCharacterData(state: ScanState, end: number): Step {
  const { text, pos } = state;
  if (state.stack.length > 0) {
    if (state.nextCdataEnd < pos) {
      const found = text.indexOf(']]>', pos);
      state.nextCdataEnd = found === -1 ? text.length : found;
    }
    if (state.nextCdataEnd < end) return problem('ARTISYNC_XML_MALFORMED', state.nextCdataEnd, '"]]>" is not allowed in text; write ]]&gt;');
    return checkReferences(state, pos, end);
  }
  NON_WHITESPACE.lastIndex = pos;
  const stray = NON_WHITESPACE.exec(text);
  if (stray === null || stray.index >= end) return undefined;
  if (state.root === undefined && text.indexOf('<') === -1) {
    return problem('ARTISYNC_XML_NO_ROOT', stray.index, 'no root element: this is not an XML document');
  }
  return problem('ARTISYNC_XML_MALFORMED', stray.index, 'text outside the root element');
}

// Only the five predefined entities and character references exist: artisync never declares or expands entities.
function checkReferences(state: ScanState, from: number, to: number): Step {
  const { text } = state;
  for (let amp = findAmpersand(state, from); amp < to; amp = findAmpersand(state, amp + 1)) {
    REFERENCE.lastIndex = amp;
    const match = REFERENCE.exec(text);
    if (match === null || match.index + match[0].length > to) {
      PARTIAL_REFERENCE.lastIndex = amp;
      if (to === text.length && PARTIAL_REFERENCE.test(text)) return OPEN;
      return problem('ARTISYNC_XML_MALFORMED', amp, 'a bare "&" must be written as &amp;');
    }
    const name = match[1];
    if (name !== undefined && !PREDEFINED_ENTITIES.has(name)) {
      return problem('ARTISYNC_XML_ENTITY', amp, `entity reference &${name}; is not one of the five predefined XML entities`);
    }
    if (name === undefined && !isXmlChar(codePointOf(match[0]))) {
      return problem('ARTISYNC_XML_MALFORMED', amp, `character reference ${match[0]} names a character XML does not allow`);
    }
  }
  return undefined;
}

function findAmpersand(state: ScanState, from: number): number {
  if (state.nextAmp < from) {
    const found = state.text.indexOf('&', from);
    state.nextAmp = found === -1 ? state.text.length : found;
  }
  return state.nextAmp;
}

function scanMarkup(state: ScanState, lt: number): Step {
  const next = state.text[lt + 1];
  if (next === undefined) return OPEN;
  if (next === '!') return scanDeclarationOrComment(state, lt);
  if (next === '?') return scanProcessingInstruction(state, lt);
  if (next === '/') return scanEndTag(state, lt);
  return scanStartTag(state, lt);
}

function scanDeclarationOrComment(state: ScanState, lt: number): Step {
  const { text } = state;
  if (text.startsWith('<!--', lt)) {
    const end = text.indexOf('-->', lt + 4);
    if (end === -1) return OPEN;
    const doubleHyphen = text.indexOf('--', lt + 4);
    if (doubleHyphen < end || text.charCodeAt(end - 1) === 45) {
      return problem('ARTISYNC_XML_MALFORMED', doubleHyphen < end ? doubleHyphen : end - 1, '"--" is not allowed inside a comment, nor "-" just before its end');
    }
    state.pos = end + 3;
    return undefined;
  }
  if (text.startsWith('<![CDATA[', lt)) {
    if (state.stack.length === 0) return problem('ARTISYNC_XML_MALFORMED', lt, 'CDATA section outside the root element');
    return skipTo(state, ']]>', lt + 9);
  }
  if (text.startsWith('<!DOCTYPE', lt)) {
    // Look for entity declarations without parsing the DOCTYPE: nothing inside it is ever interpreted.
    const entity = text.indexOf('<!ENTITY', lt);
    if (entity !== -1) return problem('ARTISYNC_XML_ENTITY', entity, 'entity declarations are not allowed (they enable XXE and billion-laughs attacks)');
    return problem('ARTISYNC_XML_DOCTYPE', lt, 'a DOCTYPE is not allowed in an artifact');
  }
  if (text.startsWith('<!ENTITY', lt)) return problem('ARTISYNC_XML_ENTITY', lt, 'entity declarations are not allowed');
  const tail = text.slice(lt);
  if (tail.length < 9 && MARKUP_PREFIXES.some((prefix) => prefix.startsWith(tail))) return OPEN;
  return problem('ARTISYNC_XML_MALFORMED', lt, '"<!" must start a comment or a CDATA section');
}

function skipTo(state: ScanState, terminator: string, from: number): Step {
  const end = state.text.indexOf(terminator, from);
  if (end === -1) return OPEN;
  state.pos = end + terminator.length;
  return undefined;
}

function scanProcessingInstruction(state: ScanState, lt: number): Step {
  const { text } = state;
  PI_TARGET.lastIndex = lt;
  const target = PI_TARGET.exec(text)?.[1] ?? '';
  const end = text.indexOf('?>', lt + 2);
  if (target === 'xml' && lt === 0) {
    if (end === -1) return OPEN;
    XML_DECLARATION.lastIndex = 0;
    if (!XML_DECLARATION.test(text) || XML_DECLARATION.lastIndex !== end + 2) {
      return problem('ARTISYNC_XML_MALFORMED', 0, 'the XML declaration must read <?xml version="1.x" encoding="…" standalone="yes|no"?> (encoding and standalone optional, in that order)');
    }
    state.pos = end + 2;
    return undefined;
  }
  // The target itself is cut short: it cannot be judged until the rest arrives.
  if (lt + 2 + target.length === text.length) return OPEN;
  if (target === 'xml') return problem('ARTISYNC_XML_MALFORMED', lt, 'the XML declaration must be the very first thing in the file');
  return problem('ARTISYNC_XML_PROCESSING_INSTRUCTION', lt, `processing instruction <?${target}?> is not allowed`);
}

function scanEndTag(state: ScanState, lt: number): Step {
  const { text } = state;
  const gt = text.indexOf('>', lt + 2);
  if (gt === -1) return OPEN;
  const name = text.slice(lt + 2, gt).replace(TRAILING_SPACE, '');
  const expected = state.stack.pop();
  if (expected === undefined) return problem('ARTISYNC_XML_MALFORMED', lt, `closing tag </${name}> has no opening tag`);
  if (expected !== name) return problem('ARTISYNC_XML_MALFORMED', lt, `expected </${expected}> but found </${name}>`);
  state.pos = gt + 1;
  return undefined;
}

function scanStartTag(state: ScanState, lt: number): Step {
  const { text } = state;
  NAME.lastIndex = lt + 1;
  const name = NAME.exec(text)?.[0];
  if (name === undefined) return problem('ARTISYNC_XML_MALFORMED', lt, 'a bare "<" must be written as &lt;, and an element name must start with a letter, "_" or ":"');
  const tag = scanAttributes(state, lt, lt + 1 + name.length, name);
  if (tag.kind !== 'tag') return tag;
  const { gt, selfClosing } = tag;
  if (state.stack.length === 0) {
    if (state.root !== undefined) {
      return problem('ARTISYNC_XML_MULTIPLE_ROOTS', lt, `second root element <${name}>: an artifact holds exactly one`);
    }
    state.root = { qualifiedName: name, offset: lt, tagEnd: selfClosing ? gt - 1 : gt };
  }
  if (!selfClosing) state.stack.push(name);
  state.pos = gt + 1;
  return undefined;
}

type TagEnd = { kind: 'tag'; gt: number; selfClosing: boolean } | NonNullable<Step>;

// Attributes up to the tag's `>`: each a Name, "=", a quoted value without "<", separated by whitespace, none twice.
function scanAttributes(state: ScanState, lt: number, from: number, element: string): TagEnd {
  const { text } = state;
  const fail = (offset: number, message: string): TagEnd => ({ kind: 'problem', problem: { code: 'ARTISYNC_XML_MALFORMED', offset, message } });
  let seen: Set<string> | undefined;
  let pos = from;
  for (;;) {
    const spaced = skipSpace(text, pos);
    const spaceBefore = spaced > pos;
    pos = spaced;
    if (pos >= text.length) return OPEN;
    const char = text.charCodeAt(pos);
    if (char === 62) return { kind: 'tag', gt: pos, selfClosing: false };
    if (char === 47) {
      if (pos + 1 >= text.length) return OPEN;
      if (text.charCodeAt(pos + 1) === 62) return { kind: 'tag', gt: pos + 1, selfClosing: true };
      return fail(pos, `"/" in <${element}> must be followed by ">"`);
    }
    if (char === 60) return fail(pos, `unfinished tag <${element}> before "<"`);
    NAME.lastIndex = pos;
    const attribute = NAME.exec(text)?.[0];
    if (attribute === undefined) return fail(pos, `<${element}> holds "${text[pos]}" where an attribute name must be`);
    if (!spaceBefore) return fail(pos, `attribute ${attribute} of <${element}> must be separated from what comes before by whitespace`);
    const at = pos;
    pos = skipSpace(text, pos + attribute.length);
    if (pos >= text.length) return OPEN;
    if (text.charCodeAt(pos) !== 61) return fail(at, `attribute ${attribute} of <${element}> has no value (write ${attribute}="…")`);
    pos = skipSpace(text, pos + 1);
    if (pos >= text.length) return OPEN;
    const quote = text[pos];
    if (quote !== '"' && quote !== "'") return fail(at, `the value of attribute ${attribute} of <${element}> must be quoted`);
    const close = text.indexOf(quote, pos + 1);
    if (close === -1) return OPEN;
    const lessThan = text.indexOf('<', pos + 1);
    if (lessThan !== -1 && lessThan < close) return fail(lessThan, '"<" is not allowed in an attribute value; write &lt;');
    const reference = checkReferences(state, pos + 1, close);
    if (reference !== undefined) return reference;
    seen ??= new Set();
    if (seen.has(attribute)) return fail(at, `attribute ${attribute} appears twice in <${element}>`);
    seen.add(attribute);
    pos = close + 1;
  }
}

function skipSpace(text: string, from: number): number {
  let pos = from;
  for (let char = text.charCodeAt(pos); char === 32 || char === 10 || char === 9 || char === 13; char = text.charCodeAt(pos)) pos += 1;
  return pos;
}

// XML 1.0 Char: what a character reference may name.
function isXmlChar(codePoint: number): boolean {
  return codePoint === 0x9 || codePoint === 0xa || codePoint === 0xd || (codePoint >= 0x20 && codePoint <= 0xd7ff)
    || (codePoint >= 0xe000 && codePoint <= 0xfffd) || (codePoint >= 0x10000 && codePoint <= 0x10ffff);
}

function codePointOf(reference: string): number {
  return reference.startsWith('&#x') ? Number.parseInt(reference.slice(3, -1), 16) : Number.parseInt(reference.slice(2, -1), 10);
}

function unescapeXml(value: string): string {
  if (!value.includes('&')) return value;
  return value
    .replace(/&#x([0-9A-Fa-f]+);/g, (_, hex: string) => fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_, dec: string) => fromCodePoint(Number.parseInt(dec, 10)))
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

function fromCodePoint(codePoint: number): string {
  return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : '\uFFFD';
}
