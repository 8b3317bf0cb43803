// Writes generated artifacts to disk under a server root (the only fs-touching part of the generator).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { GeneratedArtifact } from './artifact-generator.js';

/** Writes every artifact under `root`, creating folders; returns the total bytes written. */
export async function writeTree(root: string, artifacts: readonly GeneratedArtifact[]): Promise<number> {
  const folders = new Set(artifacts.map((artifact) => dirname(join(root, artifact.path))));
  for (const folder of folders) await mkdir(folder, { recursive: true });
  let bytes = 0;
  for (const artifact of artifacts) {
    await writeFile(join(root, artifact.path), artifact.content);
    bytes += artifact.content.length;
  }
  return bytes;
}
