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

interface FullSnapshot extends Snapshot {
  snapshot: Snapshot['snapshot'] & { meta: Snapshot['snapshot']['meta'] & { edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  edges: number[];
}

export interface ShapeGrowth extends KindGrowth {
  /** The most frequent way objects of this shape are held: `edge ← holder's shape`. */
  heldBy: string;
}

/**
 * The objects in `after` that `before` did not have (by V8 object id), grouped by what tells them
 * apart — a string's text, an object's or a context's own property / variable names — each with what
 * most often holds them, so that, say, a per-connection closure context shows which variables it
 * keeps alive and who keeps it.
 */
export function newObjectShapes(beforeJson: string, afterJson: string, connections: number, minCount = 0.9): ShapeGrowth[] {
  const ids = (json: string) => {
    const { snapshot, nodes } = JSON.parse(json) as Snapshot;
    const fields = snapshot.meta.node_fields;
    const idAt = fields.indexOf('id');
    const set = new Set<number>();
    for (let at = 0; at < nodes.length; at += fields.length) set.add(nodes[at + idAt]!);
    return set;
  };
  const existing = ids(beforeJson);
  const { snapshot, nodes, edges, strings } = JSON.parse(afterJson) as FullSnapshot;
  const { node_fields: fields, edge_fields: edgeFields } = snapshot.meta;
  const nodeTypes = snapshot.meta.node_types[0];
  const edgeTypes = snapshot.meta.edge_types[0];
  const [typeAt, nameAt, idAt, sizeAt, edgeCountAt] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) => fields.indexOf(f)) as number[];
  const [edgeTypeAt, edgeNameAt, toAt] = ['type', 'name_or_index', 'to_node'].map((f) => edgeFields.indexOf(f)) as number[];
  const firstEdges = new Int32Array(nodes.length / fields.length + 1);
  for (let n = 0, edge = 0; n * fields.length < nodes.length; n++) {
    firstEdges[n] = edge;
    edge += nodes[n * fields.length + edgeCountAt!]! * edgeFields.length;
  }
  firstEdges[nodes.length / fields.length] = edges.length;
  const edgeName = (e: number) => {
    const type = edgeTypes[edges[e + edgeTypeAt!]!]!;
    return type === 'element' || type === 'hidden' ? `[${edges[e + edgeNameAt!]}]` : strings[edges[e + edgeNameAt!]!]!;
  };
  const shapeOf = (at: number): string => {
    const type = nodeTypes[nodes[at + typeAt!]!]!;
    const name = strings[nodes[at + nameAt!]!]!;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') {
      return `(${type}) ${JSON.stringify(name.slice(0, 40))}${name.length > 40 ? '…' : ''}`;
    }
    const names: string[] = [];
    const n = at / fields.length;
    for (let e = firstEdges[n]!; e < firstEdges[n + 1]!; e += edgeFields.length) {
      const edgeType = edgeTypes[edges[e + edgeTypeAt!]!];
      if (edgeType === 'context' || edgeType === 'property' || edgeType === 'internal') names.push(edgeName(e));
    }
    return `(${type}) ${name.slice(0, 50)} {${names.filter((x) => x !== '__proto__' && x !== 'map').slice(0, 14).join(',')}}`;
  };
  const holders = new Map<number, string>();
  for (let n = 0; n * fields.length < nodes.length; n++) {
    for (let e = firstEdges[n]!; e < firstEdges[n + 1]!; e += edgeFields.length) {
      const edgeType = edgeTypes[edges[e + edgeTypeAt!]!];
      const to = edges[e + toAt!]!;
      if (edgeType === 'weak' || edgeType === 'shortcut' || holders.has(to)) continue;
      if (existing.has(nodes[to + idAt!]!)) continue;
      const name = edgeName(e);
      // An object's map is its shape, not what holds it — unless the shape is what is new.
      if (name === '__proto__' || (name === 'map' && nodeTypes[nodes[to + typeAt!]!] !== 'object shape')) continue;
      holders.set(to, `${name} ← ${shapeOf(n * fields.length)}`);
    }
  }
  const groups = new Map<string, KindTally & { heldBy: Map<string, number> }>();
  for (let at = 0; at < nodes.length; at += fields.length) {
    if (existing.has(nodes[at + idAt!]!)) continue;
    const key = shapeOf(at);
    const tally = groups.get(key) ?? { count: 0, bytes: 0, heldBy: new Map<string, number>() };
    tally.count++;
    tally.bytes += nodes[at + sizeAt!]!;
    const holder = holders.get(at) ?? '(none)';
    tally.heldBy.set(holder, (tally.heldBy.get(holder) ?? 0) + 1);
    groups.set(key, tally);
  }
  return [...groups]
    .map(([kind, { count, bytes, heldBy }]) => ({
      kind,
      count: count / connections,
      bytes: bytes / connections,
      heldBy: [...heldBy].sort((a, b) => b[1] - a[1])[0]![0],
    }))
    .filter((row) => row.count >= minCount)
    .sort((a, b) => b.bytes - a.bytes);
}
