// The scan that judges well-formedness, checked against saxes (a conformant XML 1.0 parser) on real artifacts, on the
// bench's generated trees and on thousands of seeded mutations of them, and on each rule it enforces.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { generateTree } from '../../bench/artifact-generator.js';
import { createRandom } from '../../bench/mulberry32.js';
import { scanXmlStructure } from '../../core/scan-xml-structure.js';

const FIXTURES = [join(import.meta.dirname, '../../fixtures'), join(import.meta.dirname, '../fixtures/wso2-real')];

function xmlFilesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.xml'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** saxes' verdict: the first error, or undefined when the text is a well-formed document. */
function saxesError(text: string): string | undefined {
  const parser = new SaxesParser({ xmlns: false });
  let error: string | undefined;
  parser.on('error', (err) => {
    error ??= err.message;
  });
  try {
    parser.write(text).close();
  } catch (err) {
    error ??= (err as Error).message;
  }
  return error;
}

// What artisync refuses although XML allows it; mutants with these are judged by the policy tests, not by saxes.
const POLICY_CONSTRUCT = /<!DOCTYPE|<!ENTITY|<\?(?!xml[ \t\r\n])|&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)/;

const sources = [
  ...FIXTURES.flatMap((folder) => xmlFilesUnder(folder)).map((file) => readFileSync(file, 'utf8').replace(/^\uFEFF/, '')),
  ...generateTree(11, 60).map((artifact) => artifact.content.toString('utf8')),
].filter((text) => saxesError(text) === undefined && !POLICY_CONSTRUCT.test(text));

const MUTATION_CHARS = ['<', '>', '&', '"', "'", '=', '/', '!', '-', '?', ']', ' ', 'a', '1', ':', '\u00e9', ';', '#', '\n'];

function mutate(text: string, random: ReturnType<typeof createRandom>): string {
  const at = Math.floor(random.next() * text.length);
  switch (Math.floor(random.next() * 4)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + random.pick(MUTATION_CHARS) + text.slice(at);
    case 2:
      return text.slice(0, at) + random.pick(MUTATION_CHARS) + text.slice(at + 1);
    default: {
      const length = 1 + Math.floor(random.next() * 12);
      return text.slice(0, at) + text.slice(at, at + length) + text.slice(at);
    }
  }
}

describe('the well-formedness scan against saxes', () => {
  it('accepts every real and generated artifact that saxes accepts', () => {
    expect(sources.length).toBeGreaterThan(250);
    for (const text of sources) expect(scanXmlStructure(text).state, text.slice(0, 120)).toBe('complete');
  });

  it('agrees with saxes on 6,000 seeded mutations: accepted exactly when saxes finds no error', () => {
    const random = createRandom(20261202);
    let compared = 0;
    let rejected = 0;
    for (let n = 0; n < 6000; n += 1) {
      let text = random.pick(sources);
      const edits = 1 + Math.floor(random.next() * 2);
      for (let e = 0; e < edits; e += 1) text = mutate(text, random);
      if (POLICY_CONSTRUCT.test(text)) continue;
      compared += 1;
      const error = saxesError(text);
      const state = scanXmlStructure(text).state;
      if (error !== undefined) rejected += 1;
      expect({ accepted: state === 'complete', text }).toEqual({ accepted: error === undefined, text });
    }
    expect(compared).toBeGreaterThan(4000);
    expect(rejected).toBeGreaterThan(1000);
  });

  it('accepts nothing fast-xml-parser rejects', () => {
    const random = createRandom(7);
    for (let n = 0; n < 2000; n += 1) {
      const text = mutate(random.pick(sources), random);
      if (scanXmlStructure(text).state === 'complete') expect(XMLValidator.validate(text), text.slice(0, 200)).toBe(true);
    }
  });
});

describe('each well-formedness rule', () => {
  const problemOf = (text: string) => {
    const result = scanXmlStructure(text);
    return result.state === 'problem' ? { offset: result.problem.offset, message: result.problem.message } : result.state;
  };

  it.each([
    ['an element name that starts with a digit', '<a><1b/></a>', 3, /element name/],
    ['an attribute without a value', '<a b></a>', 3, /attribute b of <a> has no value/],
    ['an unquoted attribute value', '<a b=c></a>', 3, /must be quoted/],
    ['attributes not separated by whitespace', '<a b="1"c="2"/>', 8, /separated/],
    ['an attribute given twice', '<a b="1" b="2"/>', 9, /appears twice/],
    ['a "/" not followed by ">"', '<a / ></a>', 3, /must be followed by ">"/],
    ['a "--" inside a comment', '<a><!-- x -- y --></a>', 10, /"--" is not allowed/],
    ['a comment ending in "--->"', '<a><!-- x ---></a>', 10, /"--" is not allowed/],
    ['"]]>" in text', '<a>x ]]> y</a>', 5, /"\]\]>" is not allowed in text/],
    ['a character reference to NUL', '<a>&#0;</a>', 3, /character reference &#0;/],
    ['a character reference past Unicode', '<a b="&#x110000;"/>', 6, /character reference/],
    ['an end tag with an attribute', '<a></a b="1">', 3, /expected <\/a> but found <\/a b="1">/],
    ['a malformed XML declaration', '<?xml version="1.0" encoding=utf-8?><a/>', 0, /XML declaration/],
    ['an XML declaration without version', '<?xml encoding="UTF-8"?><a/>', 0, /XML declaration/],
  ])('refuses %s', (_what, text, offset, message) => {
    const found = problemOf(text);
    expect(found).toMatchObject({ offset });
    expect((found as { message: string }).message).toMatch(message);
  });

  it.each([
    ['a full XML declaration', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<a/>'],
    ['whitespace around "=" and before ">"', '<a b = "1"\n\tc=\'2\' >x</a >'],
    ['names with ".", "-", ":" and non-ASCII letters', '<ns:é-a.b xmlns:ns="u" ns:x_1="v"></ns:é-a.b>'],
    ['"]]" and ">" in text', '<a>]] > ]]&gt;</a>'],
    ['character references to allowed characters', '<a>&#9;&#x10FFFF;&#xE000;</a>'],
  ])('accepts %s', (_what, text) => {
    expect(scanXmlStructure(text).state).toBe('complete');
  });

  it.each([
    ['inside an attribute name', '<a bc'],
    ['after "="', '<a b= '],
    ['inside a quoted value', '<a b="x'],
    ['after "/"', '<a/'],
    ['inside an open comment', '<a><!-- x -'],
  ])('calls a file cut %s a prefix, not a problem', (_what, text) => {
    expect(scanXmlStructure(text).state).toBe('open');
  });
});
