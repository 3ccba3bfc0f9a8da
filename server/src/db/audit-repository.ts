// The audit log repository: batch inserts from the audit queue, and the filtered, paginated reads
// behind `audit.list` / `audit.byId`. Newest first.
import { and, count, desc, eq, gte, lte, type SQL } from 'drizzle-orm';
import type { AppDatabase } from './database';
import { userActions } from './schema';

export type AuditLog = typeof userActions.$inferSelect;
export type NewAuditLog = typeof userActions.$inferInsert;

export interface AuditQuery {
  userId?: string | undefined;
  username?: string | undefined;
  /** The procedure path, e.g. `authors.create`. */
  action?: string | undefined;
  outcome?: string | undefined;
  /** Inclusive bounds on the call's timestamp. */
  start?: Date | undefined;
  end?: Date | undefined;
}

export interface AuditRepository {
  insertBatch(rows: NewAuditLog[]): Promise<void>;
  /** One page, newest first, plus the number of matching rows. */
  page(query: AuditQuery, offset: number, limit: number): Promise<{ items: AuditLog[]; total: number }>;
  byId(id: number): Promise<AuditLog | undefined>;
}

function where(query: AuditQuery): SQL | undefined {
  return and(
    query.userId === undefined ? undefined : eq(userActions.user_id, query.userId),
    query.username === undefined ? undefined : eq(userActions.username, query.username),
    query.action === undefined ? undefined : eq(userActions.action, query.action),
    query.outcome === undefined ? undefined : eq(userActions.outcome, query.outcome),
    query.start === undefined ? undefined : gte(userActions.timestamp, query.start),
    query.end === undefined ? undefined : lte(userActions.timestamp, query.end),
  );
}

export function createAuditRepository(db: AppDatabase): AuditRepository {
  return {
    async insertBatch(rows) {
      if (rows.length > 0) await db.insert(userActions).values(rows);
    },

    async page(query, offset, limit) {
      const [items, [counted]] = await Promise.all([
        db
          .select()
          .from(userActions)
          .where(where(query))
          .orderBy(desc(userActions.timestamp), desc(userActions.id))
          .offset(offset)
          .limit(limit),
        db.select({ total: count() }).from(userActions).where(where(query)),
      ]);
      return { items, total: counted?.total ?? 0 };
    },

    byId: async (id) => (await db.select().from(userActions).where(eq(userActions.id, id)))[0],
  };
}
