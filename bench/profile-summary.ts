// `npm run bench:profile -- <file.cpuprofile|file.heapprofile> [--top N] [--us N] [--requests N]
// [--focus name[@file],…]`: where a V8 CPU profile's time went, or where a sampling heap profile's
// bytes were allocated (`BENCH_ALLOC_PROF=1`), as text. Frames of the production bundle are mapped back to their source files
// through the bundle's source map, so the project's own code reads as server/src/… and
// dependencies as their package. Prints the share of all samples spent
//   - by file or package (self time),
//   - by function (self time, and total time: samples with the function anywhere on the stack),
//   - for each --focus function (name, or name@part-of-its-file): total time and its callees' share,
// with idle time shown apart (a saturated server has little of it). With --us (the server CPU µs
// per request of the profiled window, from the run's rounds.md) each share is also given in µs per
// request. Shares, not the profile's own times, are what to scale: V8 samples on the wall clock, so
// on a core shared with other processes the time a sampled stack waited for the CPU counts too.
// A heap profile's shares are of the bytes allocated in the window; with --requests (the requests
// the window served, from rounds.md) they are also given in bytes per request.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}
interface HeapProfileNode {
  id: number;
  callFrame: CallFrame;
  selfSize: number;
  children: HeapProfileNode[];
}

/** A heap profile's tree as a CPU profile's node list: one "sample" per node, weighing its bytes. */
function fromHeapProfile(head: HeapProfileNode): { profile: Profile; weights: number[] } {
  const nodes: ProfileNode[] = [];
  const samples: number[] = [];
  const weights: number[] = [];
  const visit = (node: HeapProfileNode) => {
    nodes.push({ id: node.id, callFrame: node.callFrame, children: node.children.map((child) => child.id) });
    if (node.selfSize > 0) (samples.push(node.id), weights.push(node.selfSize));
    node.children.forEach(visit);
  };
  visit(head);
  return { profile: { nodes, samples, timeDeltas: [] }, weights };
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '30' },
    us: { type: 'string', default: '0' },
    requests: { type: 'string', default: '0' },
    focus: { type: 'string', default: '' },
  },
});
const file = positionals[0];
if (!file) throw new Error('usage: profile-summary <file.cpuprofile|file.heapprofile> [--top N] [--us N] [--requests N] [--focus name,…]');
const top = Number(values.top);
const ROOT = new URL('..', import.meta.url).pathname;
const parsed = JSON.parse(readFileSync(file, 'utf8')) as Profile | { head: HeapProfileNode };
const heap = 'head' in parsed ? fromHeapProfile(parsed.head) : undefined;
const profile = heap?.profile ?? (parsed as Profile);

const sourceMaps = new Map<string, SourceMap | null>();
function sourceMapOf(url: string): SourceMap | null {
  if (!sourceMaps.has(url)) {
    let map: SourceMap | null = null;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')));
    } catch {
      // no map next to it: reported by its own path
    }
    sourceMaps.set(url, map);
  }
  return sourceMaps.get(url)!;
}

interface Place {
  /** A project source file (server/src/…), an npm package, a Node built-in, or V8's own. */
  group: string;
  /** The group plus the file inside a package, and the line. */
  detail: string;
}

/** Where a frame's code lives, through the source map of a built file (bundle or package dist). */
function placeOf({ url, lineNumber, columnNumber, functionName }: CallFrame): Place {
  if (!url) {
    const group = functionName.startsWith('(') ? functionName : '(native)';
    return { group, detail: group };
  }
  if (url.startsWith('node:')) return { group: url, detail: `${url}:${lineNumber + 1}` };
  let path = url.startsWith('file://') ? fileURLToPath(url) : url;
  let line = lineNumber + 1;
  if (url.startsWith('file://') && path.includes('/dist/')) {
    const entry = sourceMapOf(url)?.findEntry(lineNumber, columnNumber);
    if (entry && 'originalSource' in entry && entry.originalSource) {
      path = fileURLToPath(new URL(entry.originalSource, url));
      line = entry.originalLine + 1;
    }
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(path);
  if (pkg) return { group: pkg[1]!, detail: `${pkg[1]}/${pkg[2]!.replace(/^(dist|src)\//, '')}:${line}` };
  const inRepo = relative(ROOT, path);
  const own = inRepo.startsWith('..') ? path : inRepo;
  return { group: own, detail: `${own}:${line}` };
}

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const placeById = new Map(profile.nodes.map((node) => [node.id, placeOf(node.callFrame)]));
const labelOf = new Map(
  profile.nodes.map((node) => {
    const name = node.callFrame.functionName || '(anonymous)';
    const { detail } = placeById.get(node.id)!;
    return [node.id, name === detail ? name : `${name} ${detail}`];
  }),
);
// Time per sample: the delta to the next sample is the time the sampled stack ran.
const weights = heap?.weights ?? profile.samples.map((_, i) => profile.timeDeltas[i + 1] ?? 0);
const total = weights.reduce((sum, w) => sum + w, 0);
/** What one request's share is scaled to, and in which unit: CPU µs (--us) or bytes allocated (--requests). */
const perRequest = heap ? { amount: Number(values.requests) ? total / Number(values.requests) : 0, unit: 'B' } : { amount: Number(values.us), unit: 'µs' };
const IDLE = new Set(['(idle)']);

const self = new Map<string, number>();
const files = new Map<string, number>();
const inclusive = new Map<string, number>();
const add = (map: Map<string, number>, key: string, w: number) => map.set(key, (map.get(key) ?? 0) + w);
const stackOf = (id: number): number[] => {
  const stack: number[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) stack.push(at);
  return stack;
};
let idle = 0;
const focus = values.focus.split(',').filter(Boolean);
const matches = (frame: number, wanted: string) => {
  const [name, file] = wanted.split('@');
  return (byId.get(frame)!.callFrame.functionName || '(anonymous)') === name && (!file || placeById.get(frame)!.detail.includes(file));
};
const focusTotal = new Map<string, number>();
const focusCallees = new Map<string, Map<string, number>>(focus.map((name) => [name, new Map()]));

profile.samples.forEach((id, i) => {
  const w = weights[i]!;
  const node = byId.get(id)!;
  if (IDLE.has(node.callFrame.functionName)) {
    idle += w;
    return;
  }
  add(self, labelOf.get(id)!, w);
  add(files, placeById.get(id)!.group, w);
  const stack = stackOf(id);
  for (const label of new Set(stack.map((at) => labelOf.get(at)!))) add(inclusive, label, w);
  for (const name of focus) {
    // The outermost frame of that name; its child on this stack is the callee charged.
    const at = stack.findLastIndex((frame) => matches(frame, name));
    if (at === -1) continue;
    add(focusTotal, name, w);
    add(focusCallees.get(name)!, at === 0 ? '(self)' : labelOf.get(stack[at - 1]!)!, w);
  }
});

const busy = total - idle;
const share = (w: number) =>
  `${((w / busy) * 100).toFixed(1).padStart(5)} %${perRequest.amount ? ` ${((w / busy) * perRequest.amount).toFixed(1).padStart(6)} ${perRequest.unit}` : ''}`;
const print = (title: string, map: Map<string, number>, limit = top) => {
  console.log(`\n${title}`);
  for (const [key, w] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) console.log(`  ${share(w)}  ${key}`);
};
console.log(
  heap
    ? `${file}: ${(total / 2 ** 20).toFixed(1)} MiB allocated` + (perRequest.amount ? `, ${(perRequest.amount / 1024).toFixed(1)} KiB per request` : '')
    : `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${((idle / total) * 100).toFixed(1)} % idle; shares below are of the ${(busy / 1e6).toFixed(1)} s busy` +
        (perRequest.amount ? `, scaled to ${perRequest.amount} CPU µs per request` : ''),
);
print(heap ? 'allocated by file or package' : 'self time by file or package', files);
print(heap ? 'allocated by function' : 'self time by function', self);
print(heap ? 'allocated under function (on the stack)' : 'total time by function (on the stack)', inclusive);
for (const name of focus) print(`${name}: ${share(focusTotal.get(name) ?? 0).trim()} in total, by callee`, focusCallees.get(name)!, 15);
