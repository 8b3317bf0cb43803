// A committed changeset as carried by a label's Redis Stream entry, and its encoding as stream fields.

/** One put or delete inside a changeset. */
export interface ChangeEventItem {
  op: 'put' | 'delete';
  path: string;
  version: number;
  /** sha256 of the new content; empty for a delete. */
  sha256: string;
  size: number;
  /** True when the edit was based on a version other than the head. */
  conflict: boolean;
}

/** One stream entry: every change of one changeset, committed as one revision. */
export interface ChangeEvent {
  node: string;
  /** Hub clock at commit, ms since the epoch (for propagation-lag metrics). */
  committedAt: number;
  items: ChangeEventItem[];
  /** The id of the stream entry before this one ("0-0" for the first); absent from entries written before layout 2. */
  prev?: string;
}

/** Encodes a changeset as the flat field list XADD takes. */
export function encodeChangeEvent(event: ChangeEvent): string[] {
  const fields = ['node', event.node, 'at', String(event.committedAt), 'items', JSON.stringify(event.items)];
  return event.prev === undefined ? fields : [...fields, 'prev', event.prev];
}

/** Decodes a stream entry's field list; throws naming the entry when a field is missing or malformed. */
export function decodeChangeEvent(entryId: string, fields: readonly string[]): ChangeEvent {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  const node = map.get('node');
  const at = Number(map.get('at'));
  const rawItems = map.get('items');
  if (node === undefined || rawItems === undefined || !Number.isFinite(at)) {
    throw new Error(`stream entry ${entryId} lacks node, at or items`);
  }
  const items = JSON.parse(rawItems) as unknown;
  if (!Array.isArray(items)) throw new Error(`stream entry ${entryId}: items is not a list`);
  const prev = map.get('prev');
  return { node, committedAt: at, items: items as ChangeEventItem[], ...(prev === undefined ? {} : { prev }) };
}
