// authors-cli login <username>: signs in (auth.login), stores the token set for this server URL and
// says who that is (auth.me).
import { TRPCClientError } from '@trpc/client';
import WebSocket from 'ws';
import { createClient } from '../../create-client';
import { writeSession } from '../config-file';
import { CliError, usageError } from '../errors';
import { parseCommand, type Command } from '../context';
import { readPassword } from '../password';

export const login: Command = {
  words: ['login'],
  synopsis: '<username>',
  summary: 'sign in (password from a hidden prompt, or the first line of stdin)',
  options: {},
  async run(argv, cli) {
    const { args } = parseCommand(argv, login);
    const [username, ...extra] = args;
    if (!username || extra.length) throw usageError('usage: authors-cli login <username>');
    const password = await readPassword();
    const tokens = await createClient({ url: cli.url })
      .auth.login.mutate({ username, password })
      .catch((error: unknown) => {
        // Here UNAUTHORIZED means wrong credentials, not a missing session (describeError's reading).
        if (error instanceof TRPCClientError && error.data?.code === 'UNAUTHORIZED') throw new CliError(`login failed: ${error.message}`);
        throw error;
      });
    const obtainedAt = Date.now();
    const me = await createClient({
      url: cli.url,
      token: tokens.access_token,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    }).auth.me.query();
    writeSession(cli.configPath, cli.url, { username: me.username, tokens, obtained_at: obtainedAt });
    if (cli.json) cli.print(JSON.stringify({ url: cli.url, username: me.username, roles: me.roles }));
    else cli.print(`Logged in to ${cli.url} as ${me.username} (roles: ${me.roles.join(', ') || 'none'})`);
  },
};
