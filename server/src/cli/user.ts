// `npm run user -- <command>`: manage the embedded issuer's users in the configured database.
//   add <name> [--password <pw>] [--roles a,b]   create a user
//   roles <name> <a,b>                           replace a user's roles ("" for none)
//   passwd <name> [--password <pw>]              set a new password
//   delete <name>                                remove a user
//   list                                         usernames and roles
// Without --password the password is read from stdin (`echo "$PW" | npm run user -- add bob`), which
// keeps it out of shell history and the process list.
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { ROLES, roleSchema } from '@authors/shared';
import { hashPassword } from '../auth/passwords';
import { ConfigError, loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { createUsersRepository, UsernameTakenError, type UsersRepository } from '../db/users-repository';

class UsageError extends Error {}

const USAGE = `Usage: npm run user -- <command>
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

async function readPassword(given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  if (process.stdin.isTTY) throw new UsageError('Give --password or pipe the password on stdin');
  const password = (await text(process.stdin)).replace(/\r?\n$/, '');
  if (!password) throw new UsageError('The password must not be empty');
  return password;
}

async function run(users: UsersRepository, args: string[]): Promise<string> {
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
      const passwordHash = await hashPassword(await readPassword(values.password));
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
      const passwordHash = await hashPassword(await readPassword(values.password));
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

async function main(): Promise<number> {
  const config = loadConfig();
  if (!config.DATABASE_URL && !config.PGLITE_DIR) {
    throw new UsageError('Set DATABASE_URL (or PGLITE_DIR): an in-memory embedded database exists only inside the server');
  }
  const database = await openDatabase(config);
  try {
    process.stdout.write(`${await run(createUsersRepository(database.db), process.argv.slice(2))}\n`);
    return 0;
  } finally {
    await database.close();
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  const known = error instanceof UsageError || error instanceof ConfigError || error instanceof UsernameTakenError;
  process.stderr.write(`${error instanceof Error && known ? error.message : String(error)}\n`);
  if (error instanceof UsageError) process.stderr.write(`${USAGE}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
