// What the convergence run expects: per publisher, the last valid content of every path it wrote, and every valid
// content ever written (what a gateway may show at any moment).

/** A publisher in the run and the label it publishes into. */
export interface PublisherSpec {
  nodeId: string;
  label: string;
  /** Prefix of the file names only it writes; `Shared…` names may be written by both publishers. */
  prefix: string;
}

const NS = 'http://ws.apache.org/ns/synapse';

/** The folders the run writes into, with their root elements. */
export const RUN_KINDS = [
  { folder: 'api', root: 'api' },
  { folder: 'endpoints', root: 'endpoint' },
  { folder: 'sequences', root: 'sequence' },
  { folder: 'local-entries', root: 'localEntry' },
] as const;

/** Valid content of `root` named `name`, made distinct by `marker`. */
export function validContent(root: string, name: string, marker: string): string {
  const body = root === 'api' ? `<resource methods="GET" uri-template="/${marker}"/>` : `<description>${marker}</description>`;
  const context = root === 'api' ? ` context="/${name}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${NS}" name="${name}"${context}>\n  ${body}\n</${root}>\n`;
}

/** Content the validator must refuse: mismatched tags. */
export function invalidContent(root: string, name: string, marker: string): string {
  return `<${root} xmlns="${NS}" name="${name}"><a>${marker}</b></${root}>\n`;
}

/** The expected state of every path of one run. */
export class ConvergenceModel {
  /** label → path → last valid content (absent = no head expected). */
  private readonly heads = new Map<string, Map<string, string>>();
  /** path → every valid content ever written to it. */
  private readonly everValid = new Map<string, Set<string>>();
  /** nodeId → path → content currently on the publisher's disk (valid or not). */
  private readonly onDisk = new Map<string, Map<string, { content: string; valid: boolean }>>();

  constructor(readonly publishers: readonly PublisherSpec[]) {
    for (const publisher of publishers) {
      this.heads.set(publisher.label, new Map());
      this.onDisk.set(publisher.nodeId, new Map());
    }
  }

  /** Records a write of `content` to `path` on `publisher`'s disk. */
  wrote(publisher: PublisherSpec, path: string, content: string, valid: boolean): void {
    this.diskOf(publisher).set(path, { content, valid });
    if (!valid) return;
    this.headsOf(publisher.label).set(path, content);
    const contents = this.everValid.get(path) ?? new Set<string>();
    contents.add(content);
    this.everValid.set(path, contents);
  }

  /** Records a delete of `path` on `publisher`'s disk: the head goes whatever the file held. */
  deleted(publisher: PublisherSpec, path: string): void {
    this.diskOf(publisher).delete(path);
    this.headsOf(publisher.label).delete(path);
  }

  /** Paths on a publisher's disk now. */
  pathsOnDisk(publisher: PublisherSpec): string[] {
    return [...this.diskOf(publisher).keys()].sort();
  }

  /** Content on a publisher's disk at `path`, and whether it is valid. */
  fileOnDisk(publisher: PublisherSpec, path: string): { content: string; valid: boolean } | undefined {
    return this.diskOf(publisher).get(path);
  }

  /** The heads expected in `label`, path → content. */
  expectedHeads(label: string): Map<string, string> {
    return new Map([...this.headsOf(label)].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** What a gateway on `labels` must hold at the end: for a path in several labels, the earliest label's content. */
  expectedGateway(labels: readonly string[]): Map<string, string> {
    const merged = new Map<string, string>();
    for (const label of labels) {
      for (const [path, content] of this.headsOf(label)) if (!merged.has(path)) merged.set(path, content);
    }
    return new Map([...merged].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** `content` may show at `path` for a while without being a head at the end (a folder's files while it was moved away). */
  mayShow(path: string, content: string): void {
    const contents = this.everValid.get(path) ?? new Set<string>();
    contents.add(content);
    this.everValid.set(path, contents);
  }

  /** True when `content` was at some point a valid content written to `path`. */
  wasValid(path: string, content: string): boolean {
    return this.everValid.get(path)?.has(content) === true;
  }

  private headsOf(label: string): Map<string, string> {
    const heads = this.heads.get(label);
    if (heads === undefined) throw new Error(`unknown label ${label}`);
    return heads;
  }

  private diskOf(publisher: PublisherSpec): Map<string, { content: string; valid: boolean }> {
    const disk = this.onDisk.get(publisher.nodeId);
    if (disk === undefined) throw new Error(`unknown publisher ${publisher.nodeId}`);
    return disk;
  }
}
