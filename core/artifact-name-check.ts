// Compares an artifact's declared identifier with its file name, following the naming rules real WSO2 servers use.
import type { ArtifactKind } from './artifact-kind.js';

// API-M writes `provider--API:v1.0.0` style names to files with ':' replaced by '_' (NOTES.md, sequences/).
const fileSafe = (identifier: string): string => identifier.replace(/:/g, '_');
const NOT_NAMED: ReadonlySet<ArtifactKind> = new Set(['synapse-root', 'registry-root', 'execution-plan', 'other']);

/** A warning message when the root's name/key attribute does not match the file stem, else undefined. */
export function checkArtifactName(kind: ArtifactKind, fileStem: string, attributes: ReadonlyMap<string, string>): string | undefined {
  if (NOT_NAMED.has(kind)) return undefined;
  const identifier = identifierOf(kind, attributes);
  if (identifier === undefined) {
    return `the root element has no ${kind === 'local-entries' ? 'key' : 'name'} attribute; the file is named "${fileStem}"`;
  }
  if (fileSafe(identifier) === fileStem) return undefined;
  if (kind === 'api' && isApiManagerApiFileName(fileStem, identifier, attributes.get('version'))) return undefined;
  return `the artifact is named "${identifier}" but its file is named "${fileStem}"`;
}

function identifierOf(kind: ArtifactKind, attributes: ReadonlyMap<string, string>): string | undefined {
  if (kind === 'local-entries') return attributes.get('key');
  const name = attributes.get('name');
  // A connector import's file is `{package}name.xml`.
  if (kind === 'imports' && name !== undefined) return `{${attributes.get('package') ?? ''}}${name}`;
  return name;
}

// API-M names a versioned API's file `<provider>--<API>_v<version>`, and its built-in token APIs `_TokenAPI_` for
// `name="_WSO2AMTokenAPI_"`; both are how real gateways look, not mistakes.
function isApiManagerApiFileName(fileStem: string, name: string, version: string | undefined): boolean {
  if (version !== undefined && fileSafe(`${name}_v${version}`) === fileStem) return true;
  return fileStem.startsWith('_') && name === `_WSO2AM${fileStem.slice(1)}`;
}
