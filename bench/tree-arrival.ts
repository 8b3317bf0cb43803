// Waits until a server root holds a given number of files, then checks every one against the source tree.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { isTempName } from '../agent/fs/atomic-write.js';
import type { GeneratedArtifact } from './artifact-generator.js';

const POLL_MS = 20;

/**
 * Counts regular files under `root` (recursively) except artisync's temps: a gateway stages a whole batch as temps
 * before renaming any, so counting them would call a tree complete before its last files landed.
 */
export async function countFiles(root: string): Promise<number> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile() && !isTempName(entry.name)).length;
}

/** Resolves with performance.now() once every root holds at least `count` files; throws after `timeoutMs`. */
export async function waitForFileCount(roots: readonly string[], count: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  const pending = new Set(roots);
  for (;;) {
    for (const root of pending) if ((await countFiles(root)) >= count) pending.delete(root);
    const now = performance.now();
    if (pending.size === 0) return now;
    if (now > deadline) throw new Error(`fewer than ${count} files after ${timeoutMs} ms in ${[...pending].join(', ')}`);
    await sleep(POLL_MS);
  }
}

/** Throws naming the first artifact whose bytes differ under `root`. */
export async function assertTreeEquals(root: string, artifacts: readonly GeneratedArtifact[]): Promise<void> {
  for (const artifact of artifacts) {
    const actual = await readFile(join(root, artifact.path)).catch(() => undefined);
    if (actual === undefined || !actual.equals(artifact.content)) throw new Error(`${root}: ${artifact.path} differs from the source`);
  }
}
