// The audit queue: procedure calls hand their audit row here and move on; rows are written in
// batches off the request path. The queue is bounded: when it is full (database slow or down) new
// rows are dropped and counted in audit_logs_dropped_total — a request never waits for the audit log.
// A batch the database refuses is retried with backoff, then dropped (and counted) after
// `maxAttempts`, so one bad batch cannot wedge the queue. close() writes what is left, within a deadline.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditRepository, NewAuditLog } from '../db/audit-repository';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

export interface AuditQueueOptions {
  repository: Pick<AuditRepository, 'insertBatch'>;
  metrics: Metrics;
  logger: Logger;
  /** Rows held at most; beyond, new rows are dropped. */
  maxSize?: number;
  /** Rows per INSERT; a full batch is written at once, a partial one on the next tick of the timer. */
  batchSize?: number;
  flushIntervalMs?: number;
  /** Failed INSERTs of one batch before it is dropped. */
  maxAttempts?: number;
}

export interface AuditQueue {
  /** Queues a row. Never blocks, never throws; drops (and counts) the row when full or closed. */
  record(row: NewAuditLog): void;
  /** Rows waiting to be written (including a batch being written). */
  readonly size: number;
  /** Resolves once every row queued so far is written or dropped. */
  flush(): Promise<void>;
  /** Stops taking rows and writes the rest, giving up (and counting the rest as dropped) after `timeoutMs`. */
  close(timeoutMs: number): Promise<void>;
}

const MAX_BACKOFF_MS = 5_000;

export function createAuditQueue(options: AuditQueueOptions): AuditQueue {
  const { repository, metrics, logger } = options;
  const maxSize = options.maxSize ?? 10_000;
  const batchSize = options.batchSize ?? 100;
  const flushIntervalMs = options.flushIntervalMs ?? 250;
  const maxAttempts = options.maxAttempts ?? 5;

  let pending: NewAuditLog[] = [];
  let writing: Promise<void> | undefined;
  let failedAttempts = 0;
  let retryAt = 0;
  let closed = false;
  const outcomeLabels = new Map<string, { outcome: string }>();

  const drop = (rows: number, reason: string, error?: unknown) => {
    metrics.auditLogsDropped.inc(rows);
    logger.error({ err: error, rows }, `audit rows dropped: ${reason}`);
  };

  const written = (batch: NewAuditLog[]) => {
    for (const row of batch) {
      let labels = outcomeLabels.get(row.outcome);
      if (!labels) outcomeLabels.set(row.outcome, (labels = { outcome: row.outcome }));
      metrics.auditLogs.inc(labels);
    }
  };

  /** Writes batches until the queue is empty or a failure asks for a pause. */
  const drain = async () => {
    while (pending.length > 0 && Date.now() >= retryAt) {
      // Rows are only ever appended while we wait, so the batch stays the head of `pending`.
      const batch = pending.slice(0, batchSize);
      try {
        await repository.insertBatch(batch);
        pending.splice(0, batch.length);
        failedAttempts = 0;
        written(batch);
      } catch (error) {
        failedAttempts += 1;
        if (failedAttempts >= maxAttempts) {
          pending.splice(0, batch.length);
          failedAttempts = 0;
          drop(batch.length, `the database refused the batch ${maxAttempts} times`, error);
        } else {
          retryAt = Date.now() + Math.min(flushIntervalMs * 2 ** failedAttempts, MAX_BACKOFF_MS);
          logger.warn({ err: error, rows: batch.length, attempt: failedAttempts }, 'audit batch insert failed; will retry');
        }
      }
      metrics.auditQueueSize.set(pending.length);
    }
  };

  const kick = (): Promise<void> => {
    writing ??= drain().finally(() => (writing = undefined));
    return writing;
  };

  const timer = setInterval(kick, flushIntervalMs);
  timer.unref();

  const flushUntil = async (deadline: number) => {
    while (pending.length > 0 && Date.now() < deadline) {
      await kick();
      const wait = Math.min(retryAt, deadline) - Date.now();
      if (pending.length > 0 && wait > 0) await sleep(wait);
    }
  };

  return {
    record(row) {
      if (closed || pending.length >= maxSize) {
        metrics.auditLogsDropped.inc();
        return;
      }
      pending.push(row);
      metrics.auditQueueSize.set(pending.length);
      if (pending.length >= batchSize) void kick();
    },

    get size() {
      return pending.length;
    },

    flush: () => flushUntil(Infinity),

    async close(timeoutMs) {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      const deadline = Date.now() + timeoutMs;
      const timeout = new AbortController();
      // An INSERT that hangs (database unreachable) must not hold up the shutdown past the deadline.
      await Promise.race([
        flushUntil(deadline).finally(() => timeout.abort()),
        sleep(timeoutMs, undefined, { signal: timeout.signal }).catch(() => undefined),
      ]);
      if (pending.length > 0) {
        drop(pending.length, 'not written before the shutdown deadline');
        pending = [];
        metrics.auditQueueSize.set(0);
      }
    },
  };
}
