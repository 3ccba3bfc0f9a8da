// Reads a V8 heap snapshot (`.heapsnapshot` JSON) into counts and shallow bytes per kind of object —
// a constructor name, a closure's function name and source position, a V8-internal array or context —
// and compares two such summaries, so that what a number of connections added shows up by kind.

export interface KindTally {
  count: number;
  bytes: number;
}
export type HeapSummary = Map<string, KindTally>;

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; location_fields?: string[] } };
  nodes: number[];
  strings: string[];
  locations?: number[];
}

/** The kind a node is counted under. */
function kindOf(type: string, name: string, location: string | undefined): string {
  switch (type) {
    case 'object':
      return name;
    case 'closure':
      return `closure ${name || '(anonymous)'}${location ? ` @${location}` : ''}`;
    case 'string':
    case 'concatenated string':
    case 'sliced string':
      return '(string)';
    case 'code':
      return '(code)';
    case 'number':
      return '(number)';
    default:
      return `(${type}) ${name.length > 60 ? `${name.slice(0, 60)}…` : name}`;
  }
}

export function summarizeHeap(json: string): HeapSummary {
  const { snapshot, nodes, strings, locations = [] } = JSON.parse(json) as Snapshot;
  const fields = snapshot.meta.node_fields;
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field)) as [number, number, number];
  const types = snapshot.meta.node_types[0];
  // locations: [node index (into nodes), script id, line, column] per located node.
  const locationOf = new Map<number, string>();
  for (let i = 0; i < locations.length; i += 4) locationOf.set(locations[i]!, `${locations[i + 1]}:${locations[i + 2]! + 1}:${locations[i + 3]! + 1}`);
  const summary: HeapSummary = new Map();
  for (let at = 0; at < nodes.length; at += width) {
    const kind = kindOf(types[nodes[at + typeAt]!]!, strings[nodes[at + nameAt]!]!, locationOf.get(at));
    const tally = summary.get(kind) ?? { count: 0, bytes: 0 };
    tally.count++;
    tally.bytes += nodes[at + sizeAt]!;
    summary.set(kind, tally);
  }
  return summary;
}

export interface KindGrowth {
  kind: string;
  /** Per connection: objects added, shallow bytes added. */
  count: number;
  bytes: number;
}

/** What `after` holds beyond `before`, per connection, largest first; kinds under `minBytes` per connection are left out. */
export function heapGrowth(before: HeapSummary, after: HeapSummary, connections: number, minBytes = 8): KindGrowth[] {
  const rows: KindGrowth[] = [];
  for (const [kind, tally] of after) {
    const was = before.get(kind) ?? { count: 0, bytes: 0 };
    const bytes = (tally.bytes - was.bytes) / connections;
    if (Math.abs(bytes) >= minBytes) rows.push({ kind, count: (tally.count - was.count) / connections, bytes });
  }
  return rows.sort((a, b) => b.bytes - a.bytes);
}
