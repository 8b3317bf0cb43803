// Small valid WSO2 artifacts for e2e tests: an API, an endpoint and a sequence whose content carries a marker.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const NS = 'http://ws.apache.org/ns/synapse';

/** Server-root-relative path of a sample API named `name`. */
export const apiPath = (name: string): string => `synapse-configs/default/api/${name}.xml`;
/** Server-root-relative path of a sample endpoint named `name`. */
export const endpointPath = (name: string): string => `synapse-configs/default/endpoints/${name}.xml`;

/** A valid API whose resource carries `marker`, so every edit has distinct content. */
export function apiXml(name: string, marker: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<api xmlns="${NS}" name="${name}" context="/${name}">\n  <resource methods="GET" uri-template="/${marker}"/>\n</api>\n`;
}

/** A valid endpoint whose address carries `marker`. */
export function endpointXml(name: string, marker: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<endpoint xmlns="${NS}" name="${name}">\n  <address uri="http://backend.example/${marker}"/>\n</endpoint>\n`;
}

/** Writes a file under a server root the way an editor saving it would: a dot temp file, then rename. */
export async function writeArtifact(serverRoot: string, path: string, content: string): Promise<void> {
  const target = join(serverRoot, path);
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${Math.random().toString(36).slice(2)}.swp`);
  await writeFile(temp, content);
  await rename(temp, target);
}

/** Deletes a file under a server root. */
export async function deleteArtifact(serverRoot: string, path: string): Promise<void> {
  await rm(join(serverRoot, path), { force: true });
}

/** Deletes a file under a server root; false when there was none to delete. */
export async function deleteArtifactIfPresent(serverRoot: string, path: string): Promise<boolean> {
  try {
    await rm(join(serverRoot, path));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
