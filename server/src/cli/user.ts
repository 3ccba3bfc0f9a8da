// `npm run user -- <command>`: manage the embedded issuer's users in the configured database.
//   add <name> [--password <pw>] [--roles a,b]   create a user
//   roles <name> <a,b>                           replace a user's roles ("" for none)
//   passwd <name> [--password <pw>]              set a new password
//   delete <name>                                remove a user
//   list                                         usernames and roles
// Without --password the password is read from stdin (`echo "$PW" | npm run user -- add bob`), which
// keeps it out of shell history and the process list.
import { text } from 'node:stream/consumers';
import { ConfigError, loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { createUsersRepository, UsernameTakenError } from '../db/users-repository';
import { runUserCommand, USAGE, UsageError } from './user-commands';

const passwordFromStdin = async () => (process.stdin.isTTY ? undefined : text(process.stdin));

async function main(): Promise<number> {
  const config = loadConfig();
  if (!config.DATABASE_URL && !config.PGLITE_DIR) {
    throw new UsageError('Set DATABASE_URL (or PGLITE_DIR): an in-memory database exists only inside the server');
  }
  const database = await openDatabase(config);
  try {
    const users = createUsersRepository(database.db);
    process.stdout.write(`${await runUserCommand(users, process.argv.slice(2), passwordFromStdin)}\n`);
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
