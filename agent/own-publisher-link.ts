// Lets a node's gateway ask the node's own publisher before writing over the publisher's tree: the hub may have lost
// what this node pushed (Redis restored from an older AOF, a failover), and then the publisher pushes it again.

/** The hub's head of a path as the gateway read it. */
export interface HubHeadSeen {
  version: number;
  sha256: string;
}

/** What the gateway may ask of the publisher on the same node. */
export interface OwnPublisher {
  /** The version the hub last confirmed to this publisher for the path (a put or a delete); undefined when none. */
  confirmedVersion(label: string, path: string): number | undefined;
  /** Pushes the path's disk state again, taking `head` as the hub's current head (undefined: the hub has none). */
  repush(label: string, path: string, head: HubHeadSeen | undefined): void;
}

/** Made before either role starts (the gateway starts first); requests made before the publisher attaches wait for it. */
export class OwnPublisherLink implements OwnPublisher {
  private target: OwnPublisher | undefined;
  private readonly waiting: Array<[string, string, HubHeadSeen | undefined]> = [];

  /** Connects the publisher and hands it what the gateway asked for so far. */
  attach(target: OwnPublisher): void {
    this.target = target;
    for (const [label, path, head] of this.waiting.splice(0)) target.repush(label, path, head);
  }

  confirmedVersion(label: string, path: string): number | undefined {
    return this.target?.confirmedVersion(label, path);
  }

  repush(label: string, path: string, head: HubHeadSeen | undefined): void {
    if (this.target === undefined) this.waiting.push([label, path, head]);
    else this.target.repush(label, path, head);
  }
}
