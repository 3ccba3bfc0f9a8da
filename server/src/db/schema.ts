// Drizzle schema: the single description of the tables; drizzle-kit generates `drizzle/` from it.
import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

const timestamps = {
  created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updated_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
};

export const author = pgTable(
  'author',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    name: varchar({ length: 255 }).notNull(),
    ...timestamps,
  },
  (table) => [
    // Uniqueness lives in the database so that racing creates cannot both succeed.
    uniqueIndex('author_name_key').on(table.name),
    // Serves `name ILIKE '%…%'`; without it every search scans the table.
    // A short pending list (64 kB, the least PostgreSQL allows): an insert appends its trigrams to
    // the list, and the list is merged into the index in one pass when full, which cost PostgreSQL
    // a quarter to a third less CPU per created author than inserting each trigram into its posting
    // tree (bench/RESULTS.md, phase 8).
    // Kept short because every search also scans the list, and a long one (the default 4 MB) made
    // the planner prefer a sequential scan after a burst of inserts until VACUUM.
    index('author_name_trgm_idx').using('gin', table.name.op('gin_trgm_ops')).with({ fastupdate: true, gin_pending_list_limit: 64 }),
  ],
);

export const users = pgTable('users', {
  id: uuid().primaryKey().defaultRandom(),
  username: varchar({ length: 255 }).notNull().unique(),
  /** A self-describing password hash (scrypt parameters + salt + key); never the password. */
  password_hash: text().notNull(),
  roles: text().array().notNull().default(sql`'{}'::text[]`),
  ...timestamps,
});

/** Key pairs of the embedded issuer, shared by every instance so each accepts the others' tokens. */
export const signingKeys = pgTable('signing_keys', {
  kid: text().primaryKey(),
  algorithm: text().notNull(),
  private_jwk: jsonb().notNull(),
  public_jwk: jsonb().notNull(),
  created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * The audit log: one row per authenticated procedure call, on every transport — except refused
 * calls (401/403/429), which are tallied: one row per user, procedure, status and transport per
 * minute, `count` saying how many (observability/refusal-tally.ts).
 */
export const userActions = pgTable(
  'user_actions',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    timestamp: timestamp({ withTimezone: true }).notNull().defaultNow(),
    user_id: text().notNull(),
    username: text().notNull(),
    roles: text().array().notNull(),
    action: text().notNull(),
    resource: text(),
    outcome: text().notNull(),
    transport: text().notNull(),
    ip: text(),
    user_agent: text(),
    correlation_id: text(),
    request_data: jsonb(),
    status_code: integer(),
    error_message: text(),
    duration_ms: integer(),
    /** Calls this row stands for: 1, or the refusals of one minute. */
    count: integer().notNull().default(1),
  },
  (table) => [
    index('user_actions_timestamp_idx').on(table.timestamp),
    index('user_actions_user_id_idx').on(table.user_id),
    index('user_actions_username_idx').on(table.username),
    index('user_actions_action_idx').on(table.action),
  ],
);
