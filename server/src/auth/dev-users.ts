// The development users (password = name). Created at start-up outside production;
// in production their presence with those well-known passwords stops the server from starting.
import { ROLES, type Role } from '@authors/shared';
import type { UsersRepository } from '../db/users-repository';
import { hashPassword, verifyPassword } from './passwords';

export const DEV_USERS: ReadonlyArray<{ username: string; roles: readonly Role[] }> = [
  { username: 'admin', roles: ROLES },
  { username: 'writer', roles: ['get-authors', 'create-author', 'update-author', 'delete-author'] },
  { username: 'reader', roles: ['get-authors'] },
  { username: 'nobody', roles: [] },
];

export class DevUsersInProductionError extends Error {
  override name = 'DevUsersInProductionError';
  constructor(readonly usernames: string[]) {
    super(
      `Development users with their well-known passwords exist (${usernames.join(', ')}); ` +
        'production refuses to start with them. Remove them with `npm run user -- delete <name>` ' +
        'or set a real password with `npm run user -- passwd <name>`.',
    );
  }
}

/** Creates the missing development users; existing ones (perhaps edited) are left alone. */
export async function seedDevUsers(users: UsersRepository): Promise<void> {
  const existing = new Set((await users.findMany(DEV_USERS.map((user) => user.username))).map((user) => user.username));
  const missing = DEV_USERS.filter((user) => !existing.has(user.username));
  await users.createMissing(
    await Promise.all(
      missing.map(async (user) => ({
        username: user.username,
        passwordHash: await hashPassword(user.username),
        roles: [...user.roles],
      })),
    ),
  );
}

/** Throws DevUsersInProductionError when a development user can still log in with its name as password. */
export async function refuseDevUsers(users: UsersRepository): Promise<void> {
  const present = await users.findMany(DEV_USERS.map((user) => user.username));
  const checks = await Promise.all(present.map((user) => verifyPassword(user.username, user.passwordHash)));
  const exposed = present.filter((_, index) => checks[index]).map((user) => user.username);
  if (exposed.length > 0) throw new DevUsersInProductionError(exposed);
}
