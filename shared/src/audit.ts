// Audit log schemas: `audit.list` input (names match the REST query `GET /audit-logs?…`, so REST
// maps 1:1) and the row shape returned by `audit.list` / `audit.byId`.
import { z } from 'zod';
import { decimalInteger, positiveId } from './integer';
import { pageNumberSchema, perPageNumberSchema } from './pagination';
import { textSchema } from './text';

export const AUDIT_OUTCOMES = ['success', 'error', 'permission_denied'] as const;
export const auditOutcomeSchema = z.enum(AUDIT_OUTCOMES);
export type AuditOutcome = z.infer<typeof auditOutcomeSchema>;

export const DEFAULT_AUDIT_PER_PAGE = 20;
export const MAX_AUDIT_PER_PAGE = 100;

const filterText = textSchema.min(1).max(255);
// `z.coerce.date<Date>()` turns query-string dates ("2025-01-31T12:00:00Z") into Dates at run time
// while the typed client passes Dates.
const dateFilter = z.coerce.date<Date>();

export const listAuditLogsInput = z
  .object({
    user_id: filterText.optional(),
    username: filterText.optional(),
    /** The procedure path, e.g. `authors.create`. */
    action_type: filterText.optional(),
    outcome: auditOutcomeSchema.optional(),
    /** Inclusive lower bound of the call's timestamp. */
    start_date: dateFilter.optional(),
    /** Inclusive upper bound of the call's timestamp. */
    end_date: dateFilter.optional(),
    page: decimalInteger(pageNumberSchema.default(1)),
    /** Values above MAX_AUDIT_PER_PAGE are capped, not rejected. */
    per_page: decimalInteger(perPageNumberSchema.default(DEFAULT_AUDIT_PER_PAGE))
      .transform((n) => Math.min(n, MAX_AUDIT_PER_PAGE)),
  })
  .default({ page: 1, per_page: DEFAULT_AUDIT_PER_PAGE });
export type ListAuditLogsInput = z.input<typeof listAuditLogsInput>;

export const auditLogByIdInput = z.object({ id: positiveId(Number.MAX_SAFE_INTEGER) });

export const auditLogSchema = z.object({
  id: z.number().int(),
  timestamp: z.date(),
  user_id: z.string(),
  username: z.string(),
  roles: z.array(z.string()),
  /** The procedure path. */
  action: z.string(),
  /** `<namespace>/<id>` when the input named an id, else the namespace. */
  resource: z.string().nullable(),
  outcome: z.string(),
  transport: z.string(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  correlation_id: z.string().nullable(),
  /** The call's input with secrets replaced by "[REDACTED]". */
  request_data: z.unknown(),
  status_code: z.number().int().nullable(),
  error_message: z.string().nullable(),
  duration_ms: z.number().int().nullable(),
  /**
   * Calls the row stands for: 1 for a call; for refused calls (401/403/429), how many one user made
   * to one procedure over one transport within the minute that starts at `timestamp`'s minute (the
   * other fields are those of the first).
   */
  count: z.number().int(),
});
export type AuditLogEntry = z.infer<typeof auditLogSchema>;

export const auditLogPageSchema = z.object({
  items: z.array(auditLogSchema),
  meta: z.object({
    page: z.number().int(),
    per_page: z.number().int(),
    total: z.number().int(),
    pages: z.number().int(),
    has_more: z.boolean(),
  }),
});
export type AuditLogPage = z.infer<typeof auditLogPageSchema>;
