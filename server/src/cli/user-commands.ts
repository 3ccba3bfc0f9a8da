// The commands of `npm run user` (see ./user.ts), over a users repository.
//   add <name> [--password <pw>] [--roles a,b]   create a user
//   roles <name> <a,b>                           replace a user's roles ("" for none)
//   passwd <name> [--password <pw>]              set a new password
//   delete <name>                                remove a user
//   list                                         usernames and roles
import { parseArgs } from 'node:util';
import { ROLES, roleSchema } from '@authors/shared';
import { hashPassword } from '../auth/passwords';
import type { UsersRepository } from '../db/users-repository';

/** The command line is wrong: the message and the usage are printed, exit code 2. */
export class UsageError extends Error {}

export const USAGE = `Usage: npm run user -- <command>
  add <name> [--password <pw>] [--roles a,b]
  roles <name> <a,b>
  passwd <name> [--password <pw>]
  delete <name>
  list
Roles: ${ROLES.join(', ')}. Without --password, the password is read from stdin.`;

function parseRoles(list: string): string[] {
  const roles = [...new Set(list.split(',').map((role) => role.trim()).filter(Boolean))];
  const unknown = roles.filter((role) => !roleSchema.safeParse(role).success);
  if (unknown.length > 0) throw new UsageError(`Unknown role(s): ${unknown.join(', ')} (known: ${ROLES.join(', ')})`);
  return roles;
}

/** Where a password not given with --password comes from; undefined when there is none to read. */
export type PasswordSource = () => Promise<string | undefined>;

async function readPassword(given: string | undefined, source: PasswordSource): Promise<string> {
  const password = given ?? (await source())?.replace(/\r?\n$/, '');
  if (password === undefined) throw new UsageError('Give --password or pipe the password on stdin');
  if (!password) throw new UsageError('The password must not be empty');
  return password;
}

/** Runs one command; resolves with what to print, throws UsageError or the repository's errors. */
export async function runUserCommand(
  users: UsersRepository,
  args: string[],
  passwordSource: PasswordSource,
): Promise<string> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { password: { type: 'string' }, roles: { type: 'string', default: '' } },
  });
  const [command, name, extra] = positionals;
  const needName = () => {
    if (!name) throw new UsageError(`"${command}" needs a user name`);
    return name;
  };
  const mustExist = (found: boolean) => {
    if (!found) throw new UsageError(`No user named "${name}"`);
  };
  switch (command) {
    case 'add': {
      const username = needName();
      const roles = parseRoles(values.roles);
      const passwordHash = await hashPassword(await readPassword(values.password, passwordSource));
      await users.create({ username, passwordHash, roles });
      return `Created user ${username} (roles: ${roles.join(', ') || 'none'})`;
    }
    case 'roles': {
      const username = needName();
      if (extra === undefined) throw new UsageError('"roles" needs the role list, e.g. get-authors,create-author');
      const roles = parseRoles(extra);
      mustExist(await users.update(username, { roles }));
      return `Roles of ${username}: ${roles.join(', ') || 'none'}`;
    }
    case 'passwd': {
      const username = needName();
      const passwordHash = await hashPassword(await readPassword(values.password, passwordSource));
      mustExist(await users.update(username, { passwordHash }));
      return `Password of ${username} changed`;
    }
    case 'delete':
      mustExist(await users.delete(needName()));
      return `Deleted user ${name}`;
    case 'list':
      return (await users.list()).map((user) => `${user.username}\t${user.roles.join(',')}`).join('\n');
    default:
      throw new UsageError(command ? `Unknown command "${command}"` : 'No command given');
  }
}

