// Deterministic, seeded generator of realistic WSO2 API-M gateway artifacts for the benchmark and the tests.
import { createRandom, type Random } from './mulberry32.js';

/** The synapse folders the generator writes into, with the root element each one holds. */
export const GENERATED_KINDS = {
  api: 'api',
  sequences: 'sequence',
  endpoints: 'endpoint',
  'local-entries': 'localEntry',
} as const;
export type GeneratedKind = keyof typeof GENERATED_KINDS;

/** One generated file: its server-root-relative path and its bytes. */
export interface GeneratedArtifact {
  path: string;
  kind: GeneratedKind;
  content: Buffer;
}

export const MIN_ARTIFACT_BYTES = 2 * 1024;
export const MAX_ARTIFACT_BYTES = 30 * 1024;
const SYNAPSE_NS = 'http://ws.apache.org/ns/synapse';
const ROOT = 'synapse-configs/default';
// The share of each folder in a real API-M gateway: APIs dominate, the rest are their building blocks.
const SHARES: readonly [GeneratedKind, number][] = [['api', 0.8], ['sequences', 0.1], ['endpoints', 0.07]];
const PROVIDERS = ['admin', 'admin', 'admin', 'dev', 'publisher1', 'admin-AT-acme.com'] as const;
const WORDS = ['Pizza', 'Shack', 'World', 'Bank', 'Order', 'Kart', 'Pet', 'Store', 'Weather', 'Payment', 'Ledger',
  'Customer', 'Invoice', 'Catalog', 'Shipping', 'Loyalty', 'Inventory', 'Booking', 'Claims', 'Quote'] as const;
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;
const SEGMENTS = ['items', 'orders', 'menu', 'accounts', 'lookup', 'status', 'history', 'profile', 'search'] as const;
const EDIT_COMMENT = /<!-- artisync-bench edit \d+ -->\n/;

interface Blueprint {
  head: string;
  unit: (index: number) => string;
  tail: string;
}

/** Generates `count` artifacts from `seed`: the same seed and count always give the same bytes. */
export function generateTree(seed: number, count: number): GeneratedArtifact[] {
  const random = createRandom(seed);
  const kinds = shuffle(random, planKinds(count));
  const serials: Record<GeneratedKind, number> = { api: 0, sequences: 0, endpoints: 0, 'local-entries': 0 };
  return kinds.map((kind) => {
    serials[kind] += 1;
    return generateArtifact(random, kind, serials[kind]);
  });
}

/** A valid edited version of `artifact`: revision `n` replaces any earlier bench edit with a new comment. */
export function editArtifact(artifact: GeneratedArtifact, n: number): GeneratedArtifact {
  const text = artifact.content.toString('utf8').replace(EDIT_COMMENT, '');
  const closing = text.lastIndexOf('</');
  const edited = `${text.slice(0, closing)}<!-- artisync-bench edit ${n} -->\n${text.slice(closing)}`;
  return { ...artifact, content: Buffer.from(edited, 'utf8') };
}

function planKinds(count: number): GeneratedKind[] {
  const kinds: GeneratedKind[] = [];
  for (const [kind, share] of SHARES) kinds.push(...new Array<GeneratedKind>(Math.round(count * share)).fill(kind));
  while (kinds.length < count) kinds.push('local-entries');
  return kinds.slice(0, count);
}

function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = random.int(0, i);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function generateArtifact(random: Random, kind: GeneratedKind, serial: number): GeneratedArtifact {
  const apiName = `${random.pick(WORDS)}${random.pick(WORDS)}${serial}`;
  const version = `${random.int(1, 3)}.${random.int(0, 9)}.0`;
  const provider = random.pick(PROVIDERS);
  // Skewed towards small files, as on real gateways; the mean lands near 12 KB.
  const targetBytes = 2560 + Math.floor(random.next() ** 1.6 * (28 * 1024 - 2560));
  const [fileName, blueprint] = blueprintFor(random, kind, provider, apiName, version);
  return { path: `${ROOT}/${kind}/${fileName}`, kind, content: Buffer.from(fill(blueprint, targetBytes), 'utf8') };
}

function fill(blueprint: Blueprint, targetBytes: number): string {
  const parts = [blueprint.head];
  let length = blueprint.head.length + blueprint.tail.length;
  for (let i = 0; i === 0 || length < targetBytes; i += 1) {
    const unit = blueprint.unit(i);
    parts.push(unit);
    length += unit.length;
  }
  parts.push(blueprint.tail);
  return parts.join('');
}

function blueprintFor(random: Random, kind: GeneratedKind, provider: string, apiName: string, version: string): [string, Blueprint] {
  const endpointBase = `${apiName}--v${version}`;
  switch (kind) {
    case 'api':
      return [`${provider}--${apiName}_v${version}.xml`, apiBlueprint(random, `${provider}--${apiName}`, version, endpointBase)];
    case 'sequences':
      return [`${provider}--${apiName}_v${version}--In.xml`, sequenceBlueprint(random, `${provider}--${apiName}:v${version}--In`)];
    case 'endpoints':
      return [`${endpointBase}_APIproductionEndpoint.xml`, endpointBlueprint(random, `${endpointBase}_APIproductionEndpoint`)];
    case 'local-entries':
      return [`${apiName}_transform.xml`, localEntryBlueprint(random, `${apiName}_transform`)];
  }
}

function apiBlueprint(random: Random, name: string, version: string, endpointBase: string): Blueprint {
  const context = `/${name.split('--')[1]?.toLowerCase() ?? 'api'}/${version}`;
  const head = `<?xml version="1.0" encoding="UTF-8"?>\n<api xmlns="${SYNAPSE_NS}"\n     name="${name}"\n` +
    `     context="${context}"\n     version="${version}"\n     version-type="context">\n`;
  const unit = (index: number): string => {
    const methods = [...new Set([random.pick(METHODS), random.pick(METHODS)])].join(' ');
    const mapping = random.next() < 0.5 ? `url-mapping="/${random.pick(SEGMENTS)}${index}"` : `uri-template="/${random.pick(SEGMENTS)}/{id${index}}"`;
    return `   <resource methods="${methods}" ${mapping} faultSequence="fault">\n      <inSequence>\n` +
      `         <property name="api.ut.backendRequestTime"\n                   expression="get-property('SYSTEM_TIME')"/>\n` +
      `         <filter source="$ctx:AM_KEY_TYPE" regex="PRODUCTION">\n            <then>\n               <send>\n` +
      `                  <endpoint key="${endpointBase}_APIproductionEndpoint"/>\n               </send>\n            </then>\n` +
      `            <else>\n               <send>\n                  <endpoint key="${endpointBase}_APIsandboxEndpoint"/>\n` +
      `               </send>\n            </else>\n         </filter>\n      </inSequence>\n      <outSequence>\n` +
      `         <class name="org.wso2.carbon.apimgt.gateway.handlers.analytics.APIMgtResponseHandler"/>\n` +
      `         <send/>\n      </outSequence>\n   </resource>\n`;
  };
  const handlers = ['common.APIMgtLatencyStatsHandler', 'security.CORSRequestHandler', 'security.APIAuthenticationHandler',
    'throttling.ThrottleHandler', 'analytics.APIMgtUsageHandler', 'ext.APIManagerExtensionHandler']
    .map((handler) => `      <handler class="org.wso2.carbon.apimgt.gateway.handlers.${handler}"/>\n`).join('');
  return { head, unit, tail: `   <handlers>\n${handlers}   </handlers>\n</api>\n` };
}

function sequenceBlueprint(random: Random, name: string): Blueprint {
  const head = `<?xml version="1.0" encoding="UTF-8"?>\n<sequence xmlns="${SYNAPSE_NS}" name="${name}">\n`;
  const unit = (index: number): string =>
    `   <log level="custom">\n      <property name="STEP_${index}" value="${random.pick(SEGMENTS)}"/>\n` +
    `      <property name="Host" expression="get-property('transport', 'Host')"/>\n` +
    `      <property name="Resource" expression="get-property('axis2', 'REST_URL_POSTFIX')"/>\n   </log>\n` +
    `   <property name="msgID_${index}" expression="get-property('MessageID')"/>\n`;
  return { head, unit, tail: '</sequence>\n' };
}

function endpointBlueprint(random: Random, name: string): Blueprint {
  const head = `<?xml version="1.0" encoding="UTF-8"?>\n<endpoint xmlns="${SYNAPSE_NS}" name="${name}">\n` +
    '   <loadbalance algorithm="org.apache.synapse.endpoints.algorithms.RoundRobin">\n';
  const unit = (index: number): string =>
    `      <endpoint name="${name}_${index}">\n` +
    `         <http uri-template="https://backend${random.int(1, 99)}.example.com/${random.pick(SEGMENTS)}">\n` +
    `            <timeout>\n               <duration>${random.int(10, 90) * 1000}</duration>\n` +
    '               <responseAction>fault</responseAction>\n            </timeout>\n' +
    '            <suspendOnFailure>\n               <errorCodes>-1</errorCodes>\n               <initialDuration>0</initialDuration>\n' +
    '               <progressionFactor>1.0</progressionFactor>\n               <maximumDuration>0</maximumDuration>\n' +
    '            </suspendOnFailure>\n         </http>\n      </endpoint>\n';
  return { head, unit, tail: '   </loadbalance>\n</endpoint>\n' };
}

function localEntryBlueprint(random: Random, key: string): Blueprint {
  const head = `<?xml version="1.0" encoding="UTF-8"?>\n<localEntry xmlns="${SYNAPSE_NS}" key="${key}">\n` +
    '    <xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="2.0">\n';
  const unit = (index: number): string =>
    `        <xsl:template match="//${random.pick(SEGMENTS)}${index}">\n            <result>\n` +
    `                <xsl:for-each select="//return">\n                    <code><xsl:value-of select="."/></code>\n` +
    '                </xsl:for-each>\n            </result>\n        </xsl:template>\n';
  return { head, unit, tail: '    </xsl:stylesheet>\n</localEntry>\n' };
}
