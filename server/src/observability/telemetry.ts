// What the observe and audit middleware write to, reached through `ctx.services.telemetry`:
// one instance per app, created by app.ts, which also hands `metrics` to the transports.
import type { AuditRepository } from '../db/audit-repository';
import { createAuditQueue, type AuditQueue } from './audit-queue';
import { createCallRecorder, type CallRecorder } from './call-metrics';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

export interface Telemetry {
  logger: Logger;
  metrics: Metrics;
  recordCall: CallRecorder;
  audit: AuditQueue;
}

export function createTelemetry(options: {
  logger: Logger;
  metrics: Metrics;
  auditRepository: Pick<AuditRepository, 'insertBatch'>;
  /** AUDIT_QUEUE_MAX_BYTES. */
  auditQueueMaxBytes?: number;
}): Telemetry {
  const { logger, metrics } = options;
  return {
    logger,
    metrics,
    recordCall: createCallRecorder(metrics),
    audit: createAuditQueue({ repository: options.auditRepository, metrics, logger, maxBytes: options.auditQueueMaxBytes }),
  };
}
