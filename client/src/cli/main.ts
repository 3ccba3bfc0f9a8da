#!/usr/bin/env node
// authors-cli: the authors API from a terminal, on the typed client. `authors-cli --help` lists the
// commands. Exit codes: 0 done, 1 failed (refused by the server, server unreachable), 2 usage.
import { parseArgs } from 'node:util';
import { authorsCreate } from './commands/authors-create';
import { authorsList } from './commands/authors-list';
import { login } from './commands/login';
import { watch } from './commands/watch';
import { createContext, DEFAULT_URL, GLOBAL_OPTIONS, type Command } from './context';
import { describeError, usageError } from './errors';

const COMMANDS: readonly Command[] = [login, authorsList, authorsCreate, watch];

const USAGE = [
  'usage: authors-cli [--url <url>] [--json] <command>',
  '',
  'commands:',
  ...COMMANDS.map((command) => `  ${[...command.words, command.synopsis].join(' ').trim()}\n      ${command.summary}`),
  '',
  'options:',
  `  --url <url>   server (default: $AUTHORS_URL, else ${DEFAULT_URL})`,
  '  --json        machine-readable output: one JSON document (watch: one per line)',
  '  -h, --help    this text',
].join('\n');

/** Finds the command by its leading words, parsing loosely with every command's options so option values are not taken for words. */
function selectCommand(argv: string[]): { command: Command | undefined; help: boolean; url?: string; json?: boolean } {
  const options = Object.assign({}, GLOBAL_OPTIONS, ...COMMANDS.map((command) => command.options));
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: false });
  const command = COMMANDS.find((candidate) => candidate.words.every((word, i) => positionals[i] === word));
  return {
    command,
    help: values.help === true,
    ...(typeof values.url === 'string' ? { url: values.url } : {}),
    ...(typeof values.json === 'boolean' ? { json: values.json } : {}),
  };
}

async function main(argv: string[]): Promise<number> {
  const { command, help, ...globals } = selectCommand(argv);
  if (help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let url = globals.url ?? process.env.AUTHORS_URL ?? DEFAULT_URL;
  try {
    const cli = createContext(globals, process.env);
    url = cli.url;
    if (!command) throw usageError(argv.length ? `unknown command: ${argv.join(' ')}\n\n${USAGE}` : USAGE);
    await command.run(argv, cli);
    return 0;
  } catch (error) {
    process.stderr.write(`error: ${describeError(error, url)}\n`);
    return error instanceof Error && 'exitCode' in error && error.exitCode === 2 ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
