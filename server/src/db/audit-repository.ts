// The audit log repository: batch inserts from the audit queue, and the filtered, paginated reads
// behind `audit.list` / `audit.byId`. Newest first.
//
// A batch is sent as ONE jsonb parameter that `jsonb_to_recordset` unpacks into rows, not through
// drizzle's `.values(rows)`: that builds a parameter per column per row (15 × 100 for a full batch)
// and a new statement text for every batch size, and building it was the largest cost of the audit
// log in the CPU profile (a few ms of the main thread per batch). JSON.stringify is native and the
// statement text never changes. Columns and types come from the schema, so the statement follows it.
//
// The statement runs prepared (`readRows`, a named server-side statement), not unnamed as through
// `db.execute`, which parsed and planned it for every batch: PostgreSQL's CPU per row 32 → 19 µs in
// batches of 10, 12.3 → 11.0 µs in batches of 100; this process's 31 → 11 and 5.1 → 4.2 µs
// (bench/audit-insert-cost.ts, bundled). COPY FROM STDIN and `unnest` of typed arrays were measured too and
// are not cheaper overall (see that script).
import { and, count, desc, eq, getTableColumns, gte, lte, sql, type SQL, type SQLChunk } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Database, Statement } from './database';
import { userActions } from './schema';
import { storableJsonText } from './storable-text';

export type AuditLog = typeof userActions.$inferSelect;
/** Every column but the identity: the batch goes through JSON, where a missing key would be NULL, not the default. */
export type NewAuditLog = Omit<AuditLog, 'id'>;

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

/** `insert into user_actions (…) select … from jsonb_to_recordset($1) as r(…)` for rows keyed by schema key. */
function insertFromJson(): (json: string) => Statement {
  const columns = Object.entries(getTableColumns(userActions)).filter(([, column]) => !column.generatedIdentity);
  const list = (render: (key: string, column: (typeof columns)[number][1]) => SQLChunk) =>
    sql.join(columns.map(([key, column]) => render(key, column)), sql.raw(', '));
  const targets = list((_, column) => sql.identifier(column.name));
  const fields = list((key) => sql.identifier(key));
  const recordType = list((key, column) => sql`${sql.identifier(key)} ${sql.raw(column.getSQLType())}`);
  const { sql: text } = new PgDialect().sqlToQuery(
    sql`insert into ${userActions} (${targets}) select ${fields} from jsonb_to_recordset(${sql.placeholder('rows')}::jsonb) as r(${recordType})`,
  );
  return (json) => ({ sql: text, params: [json] });
}


export function createAuditRepository({ db, readRows }: Pick<Database, 'db' | 'readRows'>): AuditRepository {
  const insert = insertFromJson();
  return {
    async insertBatch(rows) {
      if (rows.length > 0) await readRows(insert(storableJsonText(rows)));
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
