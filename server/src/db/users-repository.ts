// The users of the embedded issuer: the only place that builds SQL for the users table.
// Stores password hashes only; hashing happens in the auth layer before anything reaches here.
import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { AppDatabase } from './database';
import { isUniqueViolation } from './errors';
import { users } from './schema';

export interface StoredUser {
  id: string;
  username: string;
  passwordHash: string;
  roles: string[];
}

export class UsernameTakenError extends Error {
  override name = 'UsernameTakenError';
  constructor(readonly username: string) {
    super(`A user named "${username}" already exists`);
  }
}

export interface UsersRepository {
  byUsername(username: string): Promise<StoredUser | undefined>;
  byId(id: string): Promise<StoredUser | undefined>;
  /** Those of `usernames` that exist, by username. */
  findMany(usernames: readonly string[]): Promise<StoredUser[]>;
  list(): Promise<StoredUser[]>;
  /** Throws UsernameTakenError when the name exists. */
  create(user: Omit<StoredUser, 'id'>): Promise<StoredUser>;
  /** Inserts the users that do not exist yet; existing ones are left as they are. */
  createMissing(users: ReadonlyArray<Omit<StoredUser, 'id'>>): Promise<void>;
  /** False when no such user. */
  update(username: string, change: Partial<Pick<StoredUser, 'passwordHash' | 'roles'>>): Promise<boolean>;
  delete(username: string): Promise<boolean>;
}

type Row = typeof users.$inferSelect;

const toStoredUser = (row: Row): StoredUser => ({
  id: row.id,
  username: row.username,
  passwordHash: row.password_hash,
  roles: row.roles,
});

const toRow = (user: Omit<StoredUser, 'id'>) => ({
  username: user.username,
  password_hash: user.passwordHash,
  roles: user.roles,
});

export function createUsersRepository(db: AppDatabase): UsersRepository {
  const first = async (rows: Promise<Row[]>) => {
    const [row] = await rows;
    return row && toStoredUser(row);
  };
  return {
    byUsername: (username) => first(db.select().from(users).where(eq(users.username, username))),
    byId: (id) =>
      // Ids come from token `sub` claims; a non-UUID can never match and must not reach a uuid cast.
      /^[0-9a-f-]{36}$/i.test(id) ? first(db.select().from(users).where(eq(users.id, id))) : Promise.resolve(undefined),
    findMany: async (usernames) =>
      usernames.length === 0
        ? []
        : (
            await db
              .select()
              .from(users)
              .where(inArray(users.username, [...usernames]))
              .orderBy(asc(users.username))
          ).map(toStoredUser),
    list: async () => (await db.select().from(users).orderBy(asc(users.username))).map(toStoredUser),

    async create(user) {
      try {
        const created = await first(db.insert(users).values(toRow(user)).returning());
        if (!created) throw new Error('INSERT … RETURNING returned no row');
        return created;
      } catch (error) {
        if (isUniqueViolation(error)) throw new UsernameTakenError(user.username);
        throw error;
      }
    },

    async createMissing(missing) {
      if (missing.length === 0) return;
      await db.insert(users).values(missing.map(toRow)).onConflictDoNothing({ target: users.username });
    },

    async update(username, change) {
      const rows = await db
        .update(users)
        .set({
          ...(change.passwordHash === undefined ? {} : { password_hash: change.passwordHash }),
          ...(change.roles === undefined ? {} : { roles: change.roles }),
          updated_at: sql`now()`,
        })
        .where(eq(users.username, username))
        .returning({ id: users.id });
      return rows.length > 0;
    },

    delete: async (username) =>
      (await db.delete(users).where(eq(users.username, username)).returning({ id: users.id })).length > 0,
  };
}
