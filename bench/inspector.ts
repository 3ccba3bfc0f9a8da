// A DevTools-protocol session with a measured server's inspector (`--inspect=127.0.0.1:0`): a full
// GC before reading RSS (memory per connection), and V8's sampling profiler started and stopped
// around exactly one measured window (the same profiler `--cpu-prof` runs, without the start-up
// and warm-up it would also record), or its sampling heap profiler around the same window (where
// the bytes a request allocates come from, including objects the young-generation GC already freed),
// and heap snapshots for the idle-connection probe (bench/memory/).
import WebSocket from 'ws';

export interface Inspector {
  collectGarbage(): Promise<void>;
  startProfile(samplingIntervalUs: number): Promise<void>;
  /** The profile since startProfile, in the `.cpuprofile` format. */
  stopProfile(): Promise<unknown>;
  /** `includeCollected`: also the objects young-generation collections have freed (else only survivors). */
  startAllocationSampling(samplingIntervalBytes: number, includeCollected: boolean): Promise<void>;
  /** The allocations sampled since startAllocationSampling, in the `.heapprofile` format. */
  stopAllocationSampling(): Promise<unknown>;
  /** A heap snapshot (the `.heapsnapshot` JSON text), taken after a full GC. */
  takeHeapSnapshot(): Promise<string>;
  /** Evaluates `expression` in the server's global scope and returns its value as JSON. */
  evaluate(expression: string): Promise<unknown>;
  close(): void;
}

export async function connectInspector(url: string): Promise<Inspector> {
  const ws = new WebSocket(url, { maxPayload: 1 << 30 });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let nextId = 1;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let snapshotChunks: string[] = [];
  ws.on('message', (raw) => {
    const message = JSON.parse(raw.toString()) as { id?: number; method?: string; params?: { chunk?: string }; result?: unknown; error?: { message: string } };
    if (message.method === 'HeapProfiler.addHeapSnapshotChunk') snapshotChunks.push(message.params!.chunk!);
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id!);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return {
    collectGarbage: async () => void (await post('HeapProfiler.collectGarbage')),
    async startProfile(samplingIntervalUs) {
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
      await post('Profiler.start');
    },
    async stopProfile() {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      await post('Profiler.disable');
      return profile;
    },
    async startAllocationSampling(samplingInterval, includeCollected) {
      await post('HeapProfiler.enable');
      await post('HeapProfiler.startSampling', {
        samplingInterval,
        includeObjectsCollectedByMinorGC: includeCollected,
        includeObjectsCollectedByMajorGC: true,
      });
    },
    async stopAllocationSampling() {
      const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
      await post('HeapProfiler.disable');
      return profile;
    },
    async takeHeapSnapshot() {
      snapshotChunks = [];
      await post('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      const text = snapshotChunks.join('');
      snapshotChunks = [];
      return text;
    },
    async evaluate(expression) {
      const { result } = (await post('Runtime.evaluate', { expression, returnByValue: true })) as { result: { value: unknown } };
      return result.value;
    },
    close: () => ws.close(),
  };
}
