// The author repository: the only place that builds SQL for authors.
// The unfiltered/filtered list is the hot read of every transport, so its four shapes are drizzle
// prepared queries: the SQL is built once instead of per call, and postgres.js then prepares each
// as a named server-side statement (one round trip per call, no re-parse) where drizzle's ad-hoc
// queries pay a Parse/Describe round trip before every Bind/Execute.
import type { Author } from '@authors/shared';
import { and, asc, count, eq, gt, ilike, sql, type SQL } from 'drizzle-orm';
import type { AppDatabase } from './database';
import { isUniqueViolation } from './errors';
import { author } from './schema';

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

/** `list` for one combination of filters, with the filter values as placeholders. */
function prepareList(db: AppDatabase, byId: boolean, byName: boolean) {
  return db
    .select()
    .from(author)
    .where(
      and(
        byId ? eq(author.id, sql.placeholder('id')) : undefined,
        byName ? ilike(author.name, sql.placeholder('pattern')) : undefined,
      ),
    )
    .orderBy(asc(author.id))
    .prepare(`authors_list_${byId ? 'id' : ''}_${byName ? 'name' : ''}`);
}

export function createAuthorRepository(db: AppDatabase): AuthorRepository {
  const lists = {
    all: prepareList(db, false, false),
    byName: prepareList(db, false, true),
    byId: prepareList(db, true, false),
    byIdAndName: prepareList(db, true, true),
  };

  return {
    list({ id, nameContains }) {
      if (!nameContains) return (id === undefined ? lists.all : lists.byId).execute({ id });
      const pattern = containsPattern(nameContains);
      return (id === undefined ? lists.byName : lists.byIdAndName).execute({ id, pattern });
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
      const [created] = await rethrowNameTaken(name, db.insert(author).values({ name }).returning());
      if (!created) throw new Error('INSERT … RETURNING returned no row');
      return created;
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
