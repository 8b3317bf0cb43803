// validateArtifact: every bad input gets its specific code, truncation is told apart, and no real file is rejected.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArtifactPath } from '../../core/artifact-path.js';
import type { ErrorCode } from '../../core/errors.js';
import { validateArtifact, validateLooseFile, type ValidationResult } from '../../core/validate-artifact.js';

// Static test data is read once; the code under test never touches the disk.
const REPO = join(import.meta.dirname, '..', '..');
const BAD = join(REPO, 'test', 'fixtures', 'bad');
const REAL = join(REPO, 'test', 'fixtures', 'wso2-real');
const options = { maxArtifactBytes: 5_242_880 };
const encode = (text: string) => new TextEncoder().encode(text);
const check = (raw: string, bytes: Uint8Array, max = options.maxArtifactBytes): ValidationResult =>
  validateArtifact(parseArtifactPath(raw), bytes, { maxArtifactBytes: max });
const errorCodes = (result: ValidationResult) => result.issues.filter((i) => i.severity === 'error').map((i) => i.code);
const warningCodes = (result: ValidationResult) => result.issues.filter((i) => i.severity === 'warning').map((i) => i.code);

describe('the bad-input corpus', () => {
  const api = 'synapse-configs/default/api';
  it.each<[string, ErrorCode, number, number]>([
    [`${api}/malformed-mismatched-tag.xml`, 'ARTISYNC_XML_MALFORMED', 4, 3],
    [`${api}/malformed-unquoted-attribute.xml`, 'ARTISYNC_XML_MALFORMED', 1, 82],
    [`${api}/truncated-in-content.xml`, 'ARTISYNC_INCOMPLETE', 6, 1],
    [`${api}/truncated-in-attribute.xml`, 'ARTISYNC_INCOMPLETE', 3, 24],
    [`${api}/truncated-in-comment.xml`, 'ARTISYNC_INCOMPLETE', 3, 69],
    [`${api}/truncated-in-declaration.xml`, 'ARTISYNC_INCOMPLETE', 1, 26],
    [`${api}/truncated-in-end-tag.xml`, 'ARTISYNC_INCOMPLETE', 3, 4],
    [`${api}/truncated-mid-character.xml`, 'ARTISYNC_INCOMPLETE', 2, 21],
    [`${api}/empty.xml`, 'ARTISYNC_INCOMPLETE', 1, 1],
    [`${api}/doctype.xml`, 'ARTISYNC_XML_DOCTYPE', 2, 1],
    [`${api}/xxe.xml`, 'ARTISYNC_XML_ENTITY', 3, 3],
    [`${api}/billion-laughs.xml`, 'ARTISYNC_XML_ENTITY', 3, 3],
    [`${api}/undeclared-entity.xml`, 'ARTISYNC_XML_ENTITY', 2, 16],
    [`${api}/processing-instruction.xml`, 'ARTISYNC_XML_PROCESSING_INSTRUCTION', 2, 1],
    [`${api}/wrong-root.xml`, 'ARTISYNC_XML_WRONG_ROOT', 2, 1],
    [`${api}/multiple-roots.xml`, 'ARTISYNC_XML_MULTIPLE_ROOTS', 2, 1],
    [`${api}/text-after-root.xml`, 'ARTISYNC_XML_MALFORMED', 2, 1],
    [`${api}/text-only.xml`, 'ARTISYNC_XML_NO_ROOT', 1, 1],
    [`${api}/binary.xml`, 'ARTISYNC_ENCODING_INVALID', 1, 1],
    [`${api}/nul-byte.xml`, 'ARTISYNC_XML_MALFORMED', 1, 75],
    [`${api}/latin1-bytes-declared-utf8.xml`, 'ARTISYNC_ENCODING_INVALID', 3, 19],
    [`${api}/declared-windows-1252.xml`, 'ARTISYNC_ENCODING_UNSUPPORTED', 1, 31],
    [`${api}/utf16-bom.xml`, 'ARTISYNC_ENCODING_UNSUPPORTED', 1, 1],
    ['executionplans/no-plan.siddhiql', 'ARTISYNC_SIDDHI_NO_PLAN', 1, 1],
    ['executionplans/empty.siddhiql', 'ARTISYNC_EMPTY', 1, 1],
    ['executionplans/invalid-utf8.siddhiql', 'ARTISYNC_ENCODING_INVALID', 2, 23],
  ])('%s → %s at %i:%i', (raw, code, line, column) => {
    const result = check(raw, readFileSync(join(BAD, raw)));
    const errors = result.issues.filter((issue) => issue.severity === 'error');
    expect(errors.map((issue) => issue.code)).toEqual([code]);
    expect(errors[0]).toMatchObject({ path: raw, line, column });
    expect(result.ok).toBe(false);
    expect(result.incomplete).toBe(code === 'ARTISYNC_INCOMPLETE');
  });

  it('names every file of the corpus in the table above', () => {
    const files = readdirSync(BAD, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    expect(files).toHaveLength(26);
  });
});

describe('size', () => {
  const xml = encode('<sequence xmlns="http://ws.apache.org/ns/synapse" name="big"><log/></sequence>');
  it('refuses any file over max_artifact_bytes, whatever its type', () => {
    for (const raw of ['synapse-configs/default/sequences/big.xml', 'executionplans/big.siddhiql', 'synapse-configs/default/api/empty.txt']) {
      const result = check(raw, new Uint8Array(xml.length + 1), xml.length);
      expect(errorCodes(result)).toEqual(['ARTISYNC_TOO_LARGE']);
      expect(result.incomplete).toBe(false);
    }
  });

  it('accepts a file of exactly max_artifact_bytes', () => {
    expect(check('synapse-configs/default/sequences/big.xml', xml, xml.length).ok).toBe(true);
  });
});

describe('truncation', () => {
  it.each([
    'synapse-configs/default/api/admin--kart1_v1.0.0.xml',
    'synapse-configs/default/sequences/_token_fault_.xml',
    'synapse-configs/default/local-entries/HelloLocalEntry.xml',
    'synapse-configs/default/registry.xml',
  ])('every strict prefix of %s is INCOMPLETE until its root closes', (raw) => {
    const bytes = readFileSync(join(REPO, 'fixtures', raw));
    const text = bytes.toString('latin1');
    const rootCloses = text.lastIndexOf('>') + 1;
    const step = Math.max(1, Math.floor(rootCloses / 400));
    for (let length = 0; length < rootCloses; length += step) {
      const result = check(raw, bytes.subarray(0, length));
      expect({ length, codes: errorCodes(result) }).toEqual({ length, codes: ['ARTISYNC_INCOMPLETE'] });
    }
    expect(check(raw, bytes.subarray(0, rootCloses)).ok).toBe(true);
  });

  it('tells a broken file that also stops early from a merely truncated one', () => {
    const result = check('synapse-configs/default/api/a.xml', encode('<api name="a"><b></c><resource'));
    expect(errorCodes(result)).toEqual(['ARTISYNC_XML_MALFORMED']);
    expect(result.incomplete).toBe(false);
  });
});

describe('encodings', () => {
  const sequence = (declaration: string, body: string) =>
    `${declaration}<sequence xmlns="http://ws.apache.org/ns/synapse" name="s"><log><property name="p" value="${body}"/></log></sequence>`;

  it('accepts UTF-8 with and without BOM or declaration', () => {
    expect(check('synapse-configs/default/sequences/s.xml', encode(sequence('<?xml version="1.0" encoding="UTF-8"?>', 'café'))).ok).toBe(true);
    expect(check('synapse-configs/default/sequences/s.xml', encode(`\uFEFF${sequence('', 'café')}`)).ok).toBe(true);
  });

  it('accepts ISO-8859-1 bytes where the declaration says so', () => {
    const latin1 = Uint8Array.from(sequence("<?xml version='1.0' encoding='ISO-8859-1'?>", 'caf\u00e9'), (char) => char.charCodeAt(0));
    expect(check('synapse-configs/default/sequences/s.xml', latin1).issues).toEqual([]);
  });

  it('refuses a UTF-8 BOM in front of an ISO-8859-1 declaration', () => {
    const bytes = encode(`\uFEFF${sequence('<?xml version="1.0" encoding="ISO-8859-1"?>', 'x')}`);
    expect(errorCodes(check('synapse-configs/default/sequences/s.xml', bytes))).toEqual(['ARTISYNC_ENCODING_INVALID']);
  });
});

describe('roots, namespaces and names', () => {
  const ns = 'xmlns="http://ws.apache.org/ns/synapse"';

  it('compares the local name of a prefixed root', () => {
    const prefixed = encode('<syn:api xmlns:syn="http://ws.apache.org/ns/synapse" name="a" context="/a"/>');
    expect(check('synapse-configs/default/api/a.xml', prefixed).issues).toEqual([]);
    const wrong = encode('<syn:sequence xmlns:syn="http://ws.apache.org/ns/synapse" name="a"/>');
    expect(errorCodes(check('synapse-configs/default/api/a.xml', wrong))).toEqual(['ARTISYNC_XML_WRONG_ROOT']);
  });

  it('warns, never refuses, on a missing namespace or a differing name', () => {
    const result = check('synapse-configs/default/endpoints/ep.xml', encode('<endpoint name="other"><address uri="http://x"/></endpoint>'));
    expect(result.ok).toBe(true);
    expect(warningCodes(result)).toEqual(['ARTISYNC_NAMESPACE_MISSING', 'ARTISYNC_NAME_MISMATCH']);
  });

  it.each([
    ['synapse-configs/default/api/admin--kart1_v1.0.0.xml', `<api ${ns} name="admin--kart1" version="1.0.0" context="/k/1.0.0"/>`],
    ['synapse-configs/default/api/_TokenAPI_.xml', `<api ${ns} name="_WSO2AMTokenAPI_" context="/token"/>`],
    ['synapse-configs/default/sequences/admin--kart1_v1.0.0--In.xml', `<sequence ${ns} name="admin--kart1:v1.0.0--In"/>`],
    ['synapse-configs/default/local-entries/entry.xml', `<localEntry ${ns} key="entry"><![CDATA[text]]></localEntry>`],
    ['synapse-configs/default/imports/{org.wso2.carbon.connector}hello.xml', `<import ${ns} name="hello" package="org.wso2.carbon.connector"/>`],
    ['synapse-configs/default/synapse.xml', `<definitions ${ns}/>`],
    ['synapse-configs/default/unknown-folder/anything.xml', '<whatever/>'],
  ])('follows the naming rules real servers use: %s', (raw, xml) => {
    expect(check(raw, encode(xml)).issues).toEqual([]);
  });

  it('allows & in comments and CDATA but checks every reference in text and attributes', () => {
    const good = `<sequence ${ns} name="s"><!-- a & b --><log><![CDATA[x & y]]></log><p v="a &amp; b &#233;"/>&lt;&#x41;</sequence>`;
    expect(check('synapse-configs/default/sequences/s.xml', encode(good)).issues).toEqual([]);
    const undeclared = encode(`<sequence ${ns} name="s"><!-- & --><p v="&amp;"/>\n  &lt;&bad;</sequence>`);
    expect(check('synapse-configs/default/sequences/s.xml', undeclared).issues).toMatchObject([{ code: 'ARTISYNC_XML_ENTITY', line: 2, column: 7 }]);
    const bare = encode(`<sequence ${ns} name="s"><p v="a & b"/></sequence>`);
    expect(errorCodes(check('synapse-configs/default/sequences/s.xml', bare))).toEqual(['ARTISYNC_XML_MALFORMED']);
  });

  it('lets comments and the declaration precede the root', () => {
    const xml = `<?xml version="1.0"?>\n<!-- licence -->\n<sequence ${ns} name="s"/>\n<!-- trailer -->\n`;
    expect(check('synapse-configs/default/sequences/s.xml', encode(xml)).issues).toEqual([]);
  });
});

describe('other files', () => {
  it('checks non-XML, non-Siddhi files for size only', () => {
    expect(check('synapse-configs/default/imports/empty.txt', new Uint8Array([0, 255, 1])).issues).toEqual([]);
    expect(validateLooseFile('notes/README.md', encode('# hi'), options).issues).toEqual([]);
  });

  it('checks a loose .xml file for well-formedness only', () => {
    expect(validateLooseFile('somewhere/api.xml', encode('<anything/>'), options).ok).toBe(true);
    expect(errorCodes(validateLooseFile('somewhere/api.xml', encode('<a><b></a>'), options))).toEqual(['ARTISYNC_XML_MALFORMED']);
  });

  it('reads @Plan:name in double quotes and warns when it differs from the file name', () => {
    const result = check('executionplans/plan_a.siddhiql', encode('/* x */\n@Plan:name("plan_b")\n'));
    expect(result.ok).toBe(true);
    expect(result.issues).toMatchObject([{ code: 'ARTISYNC_PLAN_NAME_MISMATCH', severity: 'warning', line: 2, column: 1 }]);
  });
});

describe('the real WSO2 corpus (test/fixtures/wso2-real)', () => {
  const files = readdirSync(REAL, { withFileTypes: true })
    .filter((source) => source.isDirectory())
    .flatMap((source) =>
      readdirSync(join(REAL, source.name), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => ({ root: join(REAL, source.name), absolute: join(entry.parentPath, entry.name) })),
    );

  it('holds the 233 files NOTES.md describes', () => {
    expect(files).toHaveLength(233);
  });

  it('validates every real file without an error', () => {
    const errors = files.flatMap(({ root, absolute }) =>
      check(relative(root, absolute), readFileSync(absolute)).issues.filter((issue) => issue.severity === 'error'),
    );
    expect(errors).toEqual([]);
  });

  it('warns only where NOTES.md says real servers differ (18 files)', () => {
    const warned = files.filter(({ root, absolute }) => check(relative(root, absolute), readFileSync(absolute)).issues.length > 0);
    expect(warned).toHaveLength(18);
  });
});
