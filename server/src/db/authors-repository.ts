// The author repository: the only place that builds SQL for authors.
//
// `list` is the hot read of every transport (100 rows per call in the benchmark), so it skips two
// per-call costs of drizzle's query builder. Its four shapes (no filter, id, name, both) are built
// once; the database prepares each as a named server-side statement (one round trip per call, no
// re-parse, where an ad-hoc drizzle query pays a Parse/Describe round trip first). And rows are
// mapped here, four known columns, instead of by drizzle's generic per-row mapping: together about
// 6 % of the main thread's time per call on REST and the legacy protocol.
import type { Author } from '@authors/shared';
import { and, asc, count, eq, gt, ilike, Param, Placeholder, sql, type SQL } from 'drizzle-orm';
import type { AppDatabase, Database, RawRow, Statement } from './database';
import { isUniqueViolation } from './errors';
import { author } from './schema';
import { dateOfTimestampText } from './timestamp-text';

export interface AuthorQuery {
  id?: number | undefined;
  /** Case-insensitive substring of the name, matched literally. */
  nameContains?: string | undefined;
}

export class AuthorNameTakenError extends Error {
  override name = 'AuthorNameTakenError';
  constructor(readonly authorName: string) {
    super(`An author named "${authorName}" already exists`);
  }
}

export interface AuthorRepository {
  list(query: AuthorQuery): Promise<Author[]>;
  /** One page by offset plus the total number of matching rows. */
  page(query: AuthorQuery, offset: number, limit: number): Promise<{ items: Author[]; total: number }>;
  /** Up to `limit` rows with id greater than `afterId`, in id order. */
  after(query: AuthorQuery, afterId: number, limit: number): Promise<Author[]>;
  byId(id: number): Promise<Author | undefined>;
  /** Throws AuthorNameTakenError when the name exists. */
  create(name: string): Promise<Author>;
  /** Undefined when no such author; throws AuthorNameTakenError when the name exists. */
  update(id: number, name: string): Promise<Author | undefined>;
  delete(id: number): Promise<Author | undefined>;
}

/** Escapes LIKE metacharacters so `%`, `_` and `\` in user input match themselves. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** `name ILIKE` pattern for a literal, case-insensitive substring. */
function containsPattern(value: string): string {
  return `%${escapeLike(value)}%`;
}

function where(query: AuthorQuery): SQL | undefined {
  return and(
    query.id === undefined ? undefined : eq(author.id, query.id),
    query.nameContains ? ilike(author.name, containsPattern(query.nameContains)) : undefined,
  );
}

async function rethrowNameTaken<T>(name: string, write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isUniqueViolation(error)) throw new AuthorNameTakenError(name);
    throw error;
  }
}

/** Exactly the columns authorOf() maps, in its order. */
const AUTHOR_COLUMNS = { id: author.id, name: author.name, created_at: author.created_at, updated_at: author.updated_at };

interface ListValues {
  id: number | undefined;
  pattern: string | undefined;
}

/**
 * A statement built once from a drizzle query whose parameters are all placeholders, and a
 * function filling them from one call's values.
 */
function preparedStatement<Values extends object>(query: { toSQL(): { sql: string; params: unknown[] } }, name: string) {
  const { sql: text, params } = query.toSQL();
  const names = params.map((param) => {
    // An INSERT wraps each value in a Param (with its column's encoder); a varchar's is the identity.
    const placeholder = param instanceof Param ? param.value : param;
    if (!(placeholder instanceof Placeholder)) throw new Error(`${name}: unexpected parameter ${String(param)}`);
    return placeholder.name as keyof Values;
  });
  // What drizzle's fillPlaceholders() does; calling that one here measured ~40 µs slower per list,
  // with several times as many old-generation collections (cause not found).
  return (values: Values): Statement => ({ sql: text, params: names.map((key) => values[key]) });
}

/** The `list` statement for one combination of filters. */
function listStatement(db: AppDatabase, byId: boolean, byName: boolean) {
  return preparedStatement<ListValues>(
    db
      .select(AUTHOR_COLUMNS)
      .from(author)
      .where(
        and(
          byId ? eq(author.id, sql.placeholder('id')) : undefined,
          byName ? ilike(author.name, sql.placeholder('pattern')) : undefined,
        ),
      )
      .orderBy(asc(author.id)),
    'authors.list',
  );
}

/**
 * A timestamp as the driver returns it: postgres.js (under drizzle) gives PostgreSQL's text, read by
 * its fixed positions (timestamp-text.ts); PGlite gives a fresh Date, kept as it is.
 */
const dateOf = (value: unknown): Date => (typeof value === 'string' ? dateOfTimestampText(value) : (value as Date));

/** A row of AUTHOR_COLUMNS, in that order, as the driver returns it. */
function authorOf([id, name, createdAt, updatedAt]: RawRow): Author {
  const created = dateOf(createdAt);
  // An author never renamed has updated_at = created_at (both the now() of its INSERT). The same
  // text gives the same time without reading it again (~35 ns a row less); as a copy, Dates being
  // mutable. Different texts cost one failed string comparison; PGlite's Dates are never ===.
  const updated = updatedAt === createdAt ? new Date(created.getTime()) : dateOf(updatedAt);
  return { id: id as number, name: name as string, created_at: created, updated_at: updated };
}

export function createAuthorRepository({ db, readRows }: Pick<Database, 'db' | 'readRows'>): AuthorRepository {
  const lists = {
    all: listStatement(db, false, false),
    byName: listStatement(db, false, true),
    byId: listStatement(db, true, false),
    byIdAndName: listStatement(db, true, true),
  };
  // The write path of every transport (bench W6): prepared like `list`, for the same reasons.
  const insert = preparedStatement<{ name: string }>(
    db.insert(author).values({ name: sql.placeholder('name') }).returning(AUTHOR_COLUMNS),
    'authors.create',
  );

  return {
    async list({ id, nameContains }) {
      const pattern = nameContains ? containsPattern(nameContains) : undefined;
      const statement = id === undefined ? (pattern ? lists.byName : lists.all) : pattern ? lists.byIdAndName : lists.byId;
      const rows = await readRows(statement({ id, pattern }));
      return rows.map(authorOf);
    },

    async page(query, offset, limit) {
      const [items, [counted]] = await Promise.all([
        db.select().from(author).where(where(query)).orderBy(asc(author.id)).offset(offset).limit(limit),
        db.select({ total: count() }).from(author).where(where(query)),
      ]);
      return { items, total: counted?.total ?? 0 };
    },

    after: (query, afterId, limit) =>
      db
        .select()
        .from(author)
        .where(and(where(query), gt(author.id, afterId)))
        .orderBy(asc(author.id))
        .limit(limit),

    byId: async (id) => (await db.select().from(author).where(eq(author.id, id)))[0],

    async create(name) {
      const [created] = await rethrowNameTaken(name, readRows(insert({ name })));
      if (!created) throw new Error('INSERT … RETURNING returned no row');
      return authorOf(created);
    },

    async update(id, name) {
      const rows = await rethrowNameTaken(
        name,
        db.update(author).set({ name, updated_at: sql`now()` }).where(eq(author.id, id)).returning(),
      );
      return rows[0];
    },

    delete: async (id) => (await db.delete(author).where(eq(author.id, id)).returning())[0],
  };
}
