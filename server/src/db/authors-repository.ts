// The author repository: the only place that builds SQL for authors.
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

function where(query: AuthorQuery): SQL | undefined {
  return and(
    query.id === undefined ? undefined : eq(author.id, query.id),
    query.nameContains ? ilike(author.name, `%${escapeLike(query.nameContains)}%`) : undefined,
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

export function createAuthorRepository(db: AppDatabase): AuthorRepository {
  return {
    list: (query) => db.select().from(author).where(where(query)).orderBy(asc(author.id)),

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
