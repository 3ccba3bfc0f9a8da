// The audit queue: procedure calls hand their audit row here and move on; rows are written in
// batches off the request path.
//
// What it guarantees: an authorised call's row is not dropped because of other users' traffic.
// - The queue is bounded in bytes (each row weighs about its JSON size), not rows. While it is full,
//   a call's row waits for room and so does the call's answer (back-pressure): callers slow down to
//   the speed the database writes at, instead of losing rows. Only when nothing could be written
//   for `maxWaitMs` is the row dropped.
// - Refused calls (401/403/429) never queue one row each: they are tallied per user and minute
//   (refusal-tally.ts) and the tally's rows are offered when their minute ends, dropped (not
//   waited for) when the queue is full.
// - A batch the database refuses is retried with backoff, then dropped after `maxAttempts`, so one
//   bad batch cannot wedge the queue. close() writes what is left, within a deadline.
// Every loss is counted in audit_logs_dropped_total{kind: call|refusal, reason: queue_full|database|
// shutdown}, in calls (a tallied row counts its refusals).
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditRepository, NewAuditLog } from '../db/audit-repository';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { createRefusalTally } from './refusal-tally';

export type AuditRowKind = 'call' | 'refusal';
export type AuditDropReason = 'queue_full' | 'database' | 'shutdown';

export interface AuditQueueOptions {
  repository: Pick<AuditRepository, 'insertBatch'>;
  metrics: Metrics;
  logger: Logger;
  /** Bytes (estimated JSON size) of rows held at most; beyond, calls wait for room. */
  maxBytes?: number;
  /** How long a call's row waits for room before it is dropped. */
  maxWaitMs?: number;
  /** Rows per INSERT; a full batch is written at once, a partial one on the next tick of the timer. */
  batchSize?: number;
  flushIntervalMs?: number;
  /** Failed INSERTs of one batch before it is dropped. */
  maxAttempts?: number;
  /** Distinct (user, procedure, status, transport, minute) refusal rows held at most. */
  maxRefusalRows?: number;
}

export interface AuditQueue {
  /**
   * Queues an authorised call's row (`dataBytes`: the size of its request data, see redact.ts).
   * Returns undefined once queued; while the queue is full, a promise that resolves when the row is
   * queued (or dropped after `maxWaitMs`). Never rejects.
   */
  record(row: NewAuditLog, dataBytes?: number): Promise<void> | undefined;
  /** Counts a refused call (401/403/429) into its minute's row. Never waits, never throws. */
  recordRefusal(row: NewAuditLog): void;
  /** Rows waiting to be written (including a batch being written). */
  readonly size: number;
  /** Resolves once every row queued so far (and every refusal tallied so far) is written or dropped. */
  flush(): Promise<void>;
  /** Stops taking rows and writes the rest, giving up (and counting the rest as dropped) after `timeoutMs`. */
  close(timeoutMs: number): Promise<void>;
}

interface Entry {
  row: NewAuditLog;
  bytes: number;
  kind: AuditRowKind;
}

interface Waiter extends Entry {
  admitted(): void;
  timer: NodeJS.Timeout;
}

const MAX_BACKOFF_MS = 5_000;
/** What a row weighs besides its request data and free-text fields. */
const ROW_OVERHEAD_BYTES = 256;

function rowBytes(row: NewAuditLog, dataBytes: number): number {
  let bytes = ROW_OVERHEAD_BYTES + dataBytes + row.username.length + row.action.length;
  bytes += (row.resource?.length ?? 0) + (row.user_agent?.length ?? 0) + (row.error_message?.length ?? 0);
  for (const role of row.roles) bytes += role.length + 3;
  return bytes;
}

export function createAuditQueue(options: AuditQueueOptions): AuditQueue {
  const { repository, metrics, logger } = options;
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  const maxWaitMs = options.maxWaitMs ?? 30_000;
  const batchSize = options.batchSize ?? 100;
  const flushIntervalMs = options.flushIntervalMs ?? 250;
  const maxAttempts = options.maxAttempts ?? 5;

  let pending: Entry[] = [];
  let queuedBytes = 0;
  const waiters: Waiter[] = [];
  let writing: Promise<void> | undefined;
  let failedAttempts = 0;
  let retryAt = 0;
  let closed = false;
  const outcomeLabels = new Map<string, { outcome: string }>();

  const drop = (entries: readonly Entry[], reason: AuditDropReason, error?: unknown) => {
    const calls = { call: 0, refusal: 0 };
    for (const { row, kind } of entries) calls[kind] += row.count;
    for (const kind of ['call', 'refusal'] as const) {
      if (calls[kind] > 0) metrics.auditLogsDropped.inc({ kind, reason }, calls[kind]);
    }
    // Refusal rows lost to a full queue are only counted: logging each would add to the flood.
    if (calls.call > 0 || reason !== 'queue_full') {
      logger.error({ err: error, rows: entries.length, kind: calls.call > 0 ? 'call' : 'refusal' }, `audit rows dropped: ${reason}`);
    }
  };
  const tally = createRefusalTally({
    maxKeys: options.maxRefusalRows ?? 10_000,
    onDropped: () => metrics.auditLogsDropped.inc({ kind: 'refusal', reason: 'queue_full' }),
  });

  const gauges = () => {
    metrics.auditQueueSize.set(pending.length);
    metrics.auditQueueBytes.set(queuedBytes);
  };
  const hasRoom = (bytes: number) => pending.length === 0 || queuedBytes + bytes <= maxBytes;
  const enqueue = (entry: Entry) => {
    pending.push(entry);
    queuedBytes += entry.bytes;
    gauges();
    if (pending.length >= batchSize) void kick();
  };
  /** Lets waiting rows in, oldest first, as far as the room freed allows. */
  const admitWaiters = () => {
    while (waiters.length > 0 && hasRoom(waiters[0]!.bytes)) {
      const waiter = waiters.shift()!;
      clearTimeout(waiter.timer);
      enqueue(waiter);
      waiter.admitted();
    }
  };
  /** Rows of ended minutes (or all) go in if there is room; a refusal never waits. */
  const offerRefusals = (all = false) => {
    for (const row of tally.take(all)) {
      const entry: Entry = { row, bytes: rowBytes(row, 0), kind: 'refusal' };
      if (!closed && hasRoom(entry.bytes)) enqueue(entry);
      else drop([entry], closed ? 'shutdown' : 'queue_full');
    }
  };

  const written = (batch: readonly Entry[]) => {
    for (const { row } of batch) {
      let labels = outcomeLabels.get(row.outcome);
      if (!labels) outcomeLabels.set(row.outcome, (labels = { outcome: row.outcome }));
      metrics.auditLogs.inc(labels);
    }
  };
  /**
   * Rows at the head of the queue to write even as a partial batch: those queued when the timer
   * ticked (or a flush began). Rows arriving while a batch is being written wait for a full batch or
   * the next tick instead of following in a batch of a few rows each: under load that was an INSERT
   * (a statement built, a round trip, a commit) every few milliseconds for a handful of rows.
   */
  let due = 0;
  const remove = (count: number) => {
    due = Math.max(due - count, 0);
    for (const entry of pending.splice(0, count)) queuedBytes -= entry.bytes;
    gauges();
    admitWaiters();
  };

  /** Whether another batch is worth writing now: a full one, rows that are due, or calls waiting for room. */
  const ready = () => pending.length >= batchSize || due > 0 || waiters.length > 0;
  /** Writes batches while one is ready, until the queue is empty or a failure asks for a pause. */
  const drain = async () => {
    while (pending.length > 0 && ready() && Date.now() >= retryAt) {
      // Rows are only ever appended while we wait, so the batch stays the head of `pending`.
      const batch = pending.slice(0, batchSize);
      try {
        await repository.insertBatch(batch.map((entry) => entry.row));
        remove(batch.length);
        failedAttempts = 0;
        written(batch);
      } catch (error) {
        failedAttempts += 1;
        if (failedAttempts >= maxAttempts) {
          remove(batch.length);
          failedAttempts = 0;
          drop(batch, 'database', error);
        } else {
          retryAt = Date.now() + Math.min(flushIntervalMs * 2 ** failedAttempts, MAX_BACKOFF_MS);
          logger.warn({ err: error, rows: batch.length, attempt: failedAttempts }, 'audit batch insert failed; will retry');
        }
      }
    }
  };

  /** Writes what is queued now, partial batches included (and full batches of what arrives meanwhile). */
  const kickAll = (): Promise<void> => {
    due = pending.length;
    return kick();
  };
  const kick = (): Promise<void> => {
    writing ??= drain().finally(() => (writing = undefined));
    return writing;
  };

  const timer = setInterval(() => {
    offerRefusals();
    void kickAll();
  }, flushIntervalMs);
  timer.unref();

  const flushUntil = async (deadline: number) => {
    while ((pending.length > 0 || waiters.length > 0) && Date.now() < deadline) {
      await kickAll();
      const wait = Math.min(retryAt, deadline) - Date.now();
      if (pending.length > 0 && wait > 0) await sleep(wait);
    }
  };

  return {
    record(row, dataBytes = 0) {
      const entry: Entry = { row, bytes: rowBytes(row, dataBytes), kind: 'call' };
      if (closed) return void drop([entry], 'shutdown');
      if (waiters.length === 0 && hasRoom(entry.bytes)) return void enqueue(entry);
      const admitted = new Promise<void>((resolve) => {
        const waiter: Waiter = {
          ...entry,
          admitted: resolve,
          timer: setTimeout(() => {
            waiters.splice(waiters.indexOf(waiter), 1);
            drop([waiter], 'queue_full');
            resolve();
          }, maxWaitMs),
        };
        waiters.push(waiter);
      });
      // After the waiter is in line: a waiting call makes even a partial batch worth writing now.
      void kick();
      return admitted;
    },

    recordRefusal(row) {
      if (closed) drop([{ row, bytes: 0, kind: 'refusal' }], 'shutdown');
      else tally.add(row);
    },

    get size() {
      return pending.length;
    },

    flush() {
      offerRefusals(true);
      return flushUntil(Infinity);
    },

    async close(timeoutMs) {
      if (closed) return;
      offerRefusals(true);
      closed = true;
      clearInterval(timer);
      const deadline = Date.now() + timeoutMs;
      const timeout = new AbortController();
      // An INSERT that hangs (database unreachable) must not hold up the shutdown past the deadline.
      await Promise.race([
        flushUntil(deadline).finally(() => timeout.abort()),
        sleep(timeoutMs, undefined, { signal: timeout.signal }).catch(() => undefined),
      ]);
      const waiting = waiters.splice(0);
      for (const waiter of waiting) {
        clearTimeout(waiter.timer);
        waiter.admitted();
      }
      const left = [...pending, ...waiting];
      if (left.length > 0) {
        drop(left, 'shutdown');
        pending = [];
        queuedBytes = 0;
        gauges();
      }
    },
  };
}
