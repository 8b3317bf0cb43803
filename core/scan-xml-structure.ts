// One fast pass over XML text for what fast-xml-parser's validator does not judge: DOCTYPE, entities, processing
// instructions, stray text, roots, and whether a broken file is merely cut short (a prefix of a well-formed one).
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
 * `problem`: rejected; `open`: the text stops inside markup or an element, and `completion` is the text cut back to
 * its last unfinished construct with every open element closed (well-formed iff the text is a prefix of a
 * well-formed document); `complete`: structurally sound, ready for the full well-formedness check.
 */
export type XmlStructure =
  | { state: 'problem'; problem: XmlStructureProblem }
  | { state: 'open'; completion: string }
  | { state: 'complete'; root: XmlRoot };

type Step = { kind: 'problem'; problem: XmlStructureProblem } | { kind: 'open'; cut: number } | undefined;

interface ScanState {
  text: string;
  pos: number;
  stack: string[];
  // Position of the next '&' at or after the last lookup: searching afresh for every text run would be quadratic.
  nextAmp: number;
  root: { qualifiedName: string; offset: number; tagEnd: number } | undefined;
}

const PREDEFINED_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);
// XML 1.0 allows TAB, LF and CR among the C0 controls; a NUL usually means a binary file.
const FORBIDDEN_CHAR = new RegExp('[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]');
const NON_WHITESPACE = /[^ \t\r\n]/g;
const REFERENCE = /&(?:([A-Za-z_:][\w.:-]*)|#[0-9]+|#x[0-9A-Fa-f]+);/y;
const PARTIAL_REFERENCE = /&(?:#x?[0-9A-Fa-f]*|[A-Za-z_:][\w.:-]*)?$/y;
const TAG_NAME = /[^\s/>"'=<]+/y;
const PI_TARGET = /<\?([^\s?>]*)/y;
const TAG_SPECIAL = /["'<>]/g;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const MARKUP_PREFIXES = ['<!--', '<![CDATA[', '<!DOCTYPE', '<!ENTITY'];

const problem = (code: ErrorCode, offset: number, message: string): Step => ({ kind: 'problem', problem: { code, offset, message } });
const open = (cut: number): Step => ({ kind: 'open', cut });

/** Scans XML text (BOM already removed) once; never expands or even reads past a DOCTYPE. */
export function scanXmlStructure(text: string): XmlStructure {
  const forbidden = FORBIDDEN_CHAR.exec(text);
  if (forbidden !== null) {
    const code = forbidden[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return finish({ text, pos: 0, stack: [], nextAmp: -1, root: undefined }, problem('ARTISYNC_XML_MALFORMED', forbidden.index, `character U+${code} is not allowed in XML (is this a binary file?)`));
  }
  const state: ScanState = { text, pos: 0, stack: [], nextAmp: -1, root: undefined };
  for (;;) {
    const lt = text.indexOf('<', state.pos);
    const step = checkCharacterData(state, lt === -1 ? text.length : lt) ?? (lt === -1 ? atEnd(state) : scanMarkup(state, lt));
    if (step !== undefined || lt === -1) return finish(state, step);
  }
}

function finish(state: ScanState, step: Step): XmlStructure {
  if (step?.kind === 'problem') return { state: 'problem', problem: step.problem };
  if (step?.kind === 'open') {
    const closing = state.root === undefined ? '<artisync-completion/>' : state.stack.map((name) => `</${name}>`).reverse().join('');
    return { state: 'open', completion: state.text.slice(0, step.cut) + closing };
  }
  const root = state.root;
  if (root === undefined) return { state: 'open', completion: `${state.text}<artisync-completion/>` };
  const attributes = new Map<string, string>();
  const tag = state.text.slice(root.offset + 1 + root.qualifiedName.length, root.tagEnd);
  for (const match of tag.matchAll(ATTRIBUTE)) attributes.set(match[1] ?? '', unescapeXml(match[2] ?? match[3] ?? ''));
  return { state: 'complete', root: { qualifiedName: root.qualifiedName, offset: root.offset, attributes } };
}

function atEnd(state: ScanState): Step {
  return state.stack.length > 0 || state.root === undefined ? open(state.text.length) : undefined;
}

function checkCharacterData(state: ScanState, end: number): Step {
  const { text, pos } = state;
  if (state.stack.length > 0) return checkReferences(state, pos, end);
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
      if (to === text.length && PARTIAL_REFERENCE.test(text)) return open(amp);
      return problem('ARTISYNC_XML_MALFORMED', amp, 'a bare "&" must be written as &amp;');
    }
    const name = match[1];
    if (name !== undefined && !PREDEFINED_ENTITIES.has(name)) {
      return problem('ARTISYNC_XML_ENTITY', amp, `entity reference &${name}; is not one of the five predefined XML entities`);
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
  if (next === undefined) return open(lt);
  if (next === '!') return scanDeclarationOrComment(state, lt);
  if (next === '?') return scanProcessingInstruction(state, lt);
  if (next === '/') return scanEndTag(state, lt);
  return scanStartTag(state, lt);
}

function scanDeclarationOrComment(state: ScanState, lt: number): Step {
  const { text } = state;
  if (text.startsWith('<!--', lt)) return skipTo(state, lt, '-->', lt + 4);
  if (text.startsWith('<![CDATA[', lt)) {
    if (state.stack.length === 0) return problem('ARTISYNC_XML_MALFORMED', lt, 'CDATA section outside the root element');
    return skipTo(state, lt, ']]>', lt + 9);
  }
  if (text.startsWith('<!DOCTYPE', lt)) {
    // Look for entity declarations without parsing the DOCTYPE: nothing inside it is ever interpreted.
    const entity = text.indexOf('<!ENTITY', lt);
    if (entity !== -1) return problem('ARTISYNC_XML_ENTITY', entity, 'entity declarations are not allowed (they enable XXE and billion-laughs attacks)');
    return problem('ARTISYNC_XML_DOCTYPE', lt, 'a DOCTYPE is not allowed in an artifact');
  }
  if (text.startsWith('<!ENTITY', lt)) return problem('ARTISYNC_XML_ENTITY', lt, 'entity declarations are not allowed');
  const tail = text.slice(lt);
  if (tail.length < 9 && MARKUP_PREFIXES.some((prefix) => prefix.startsWith(tail))) return open(lt);
  return problem('ARTISYNC_XML_MALFORMED', lt, '"<!" must start a comment or a CDATA section');
}

function skipTo(state: ScanState, lt: number, terminator: string, from: number): Step {
  const end = state.text.indexOf(terminator, from);
  if (end === -1) return open(lt);
  state.pos = end + terminator.length;
  return undefined;
}

function scanProcessingInstruction(state: ScanState, lt: number): Step {
  const { text } = state;
  PI_TARGET.lastIndex = lt;
  const target = PI_TARGET.exec(text)?.[1] ?? '';
  const end = text.indexOf('?>', lt + 2);
  if (target === 'xml' && lt === 0) {
    if (end === -1) return open(lt);
    state.pos = end + 2;
    return undefined;
  }
  // The target itself is cut short: it cannot be judged until the rest arrives.
  if (lt + 2 + target.length === text.length) return open(lt);
  if (target === 'xml') return problem('ARTISYNC_XML_MALFORMED', lt, 'the XML declaration must be the very first thing in the file');
  return problem('ARTISYNC_XML_PROCESSING_INSTRUCTION', lt, `processing instruction <?${target}?> is not allowed`);
}

function scanEndTag(state: ScanState, lt: number): Step {
  const { text } = state;
  const gt = text.indexOf('>', lt + 2);
  if (gt === -1) return open(lt);
  const name = text.slice(lt + 2, gt).trimEnd();
  const expected = state.stack.pop();
  if (expected === undefined) return problem('ARTISYNC_XML_MALFORMED', lt, `closing tag </${name}> has no opening tag`);
  if (expected !== name) return problem('ARTISYNC_XML_MALFORMED', lt, `expected </${expected}> but found </${name}>`);
  state.pos = gt + 1;
  return undefined;
}

function scanStartTag(state: ScanState, lt: number): Step {
  const { text } = state;
  TAG_NAME.lastIndex = lt + 1;
  const name = TAG_NAME.exec(text)?.[0];
  if (name === undefined) return problem('ARTISYNC_XML_MALFORMED', lt, 'a bare "<" must be written as &lt;');
  const gt = findTagEnd(state, lt + 1 + name.length);
  if (typeof gt !== 'number') return gt.kind === 'open' ? open(lt) : gt;
  if (state.stack.length === 0) {
    if (state.root !== undefined) {
      return problem('ARTISYNC_XML_MULTIPLE_ROOTS', lt, `second root element <${name}>: an artifact holds exactly one`);
    }
    state.root = { qualifiedName: name, offset: lt, tagEnd: text.charCodeAt(gt - 1) === 47 ? gt - 1 : gt };
  }
  if (text.charCodeAt(gt - 1) !== 47) state.stack.push(name);
  state.pos = gt + 1;
  return undefined;
}

// The `>` ending a start tag, skipping quoted attribute values (which may hold `>`, never `<`).
function findTagEnd(state: ScanState, from: number): number | NonNullable<Step> {
  const { text } = state;
  TAG_SPECIAL.lastIndex = from;
  for (let match = TAG_SPECIAL.exec(text); match !== null; match = TAG_SPECIAL.exec(text)) {
    const char = match[0];
    if (char === '>') return match.index;
    if (char === '<') return { kind: 'problem', problem: { code: 'ARTISYNC_XML_MALFORMED', offset: match.index, message: 'unfinished tag before "<"' } };
    const close = text.indexOf(char, match.index + 1);
    if (close === -1) return { kind: 'open', cut: from };
    const lessThan = text.indexOf('<', match.index + 1);
    if (lessThan !== -1 && lessThan < close) {
      return { kind: 'problem', problem: { code: 'ARTISYNC_XML_MALFORMED', offset: lessThan, message: '"<" is not allowed in an attribute value; write &lt;' } };
    }
    const reference = checkReferences(state, match.index + 1, close);
    if (reference !== undefined) return reference;
    TAG_SPECIAL.lastIndex = close + 1;
  }
  return { kind: 'open', cut: from };
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
