// What every command shares: the global options, the server URL, and a client signed in with the
// tokens `authors-cli login` stored (refreshed tokens are written back, since a refresh token is single-use).
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createClient, type AuthorsClient } from '../create-client';
import { createTokenSession } from '../token-session';
import { configPath, readSession, writeSession } from './config-file';
import { CliError, usageError } from './errors';

export const DEFAULT_URL = 'http://localhost:8000';

export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies OptionSpec;

/** node:util parseArgs option descriptors (its own type is not exported by @types/node 20). */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }>;

export interface Command {
  /** The words that select it, e.g. `['authors', 'list']`. */
  words: readonly string[];
  /** Arguments and options after the words, for the usage text. */
  synopsis: string;
  summary: string;
  /** Its own options, besides the global ones. */
  options: OptionSpec;
  run(argv: string[], cli: CliContext): Promise<void>;
}

export interface CliContext {
  url: string;
  json: boolean;
  configPath: string;
  /** Writes a line to stdout. */
  print(line: string): void;
  /** Writes a line to stderr (progress and notices, kept out of what scripts parse). */
  note(line: string): void;
}

type Values<O extends OptionSpec> = { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };

/** Strict parse of a command's argv: its options plus the global ones; `args` are the positionals after its words. */
export function parseCommand<O extends OptionSpec>(
  argv: string[],
  command: Command & { options: O },
): { values: Values<typeof GLOBAL_OPTIONS & O>; args: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    return { values, args: positionals.slice(command.words.length) };
  } catch (error) {
    throw usageError(`${(error as Error).message}\nusage: authors-cli ${command.words.join(' ')} ${command.synopsis}`);
  }
}

/** `--url`, else AUTHORS_URL, else localhost:8000; an http(s) URL without a trailing slash. */
export function resolveUrl(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const raw = flag ?? env.AUTHORS_URL ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`--url: not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`--url: expected http(s), got ${raw}`);
  return url.toString().replace(/\/$/, '');
}

export function createContext(values: { url?: string | undefined; json?: boolean | undefined }, env: NodeJS.ProcessEnv): CliContext {
  return {
    url: resolveUrl(values.url, env),
    json: values.json ?? false,
    configPath: configPath(env),
    print: (line) => void process.stdout.write(`${line}\n`),
    note: (line) => void process.stderr.write(`${line}\n`),
  };
}

/** A client for `cli.url` signed in with the stored session (Node 20 has no global WebSocket: `ws`). */
export function signedInClient(cli: CliContext): AuthorsClient {
  const stored = readSession(cli.configPath, cli.url);
  if (!stored) throw new CliError(`not signed in to ${cli.url}: run \`authors-cli login <username>\``);
  const session = createTokenSession({
    url: cli.url,
    initial: { tokens: stored.tokens, obtainedAt: stored.obtained_at },
    onChange: (next) =>
      writeSession(
        cli.configPath,
        cli.url,
        next && { username: stored.username, tokens: next.tokens, obtained_at: next.obtainedAt },
      ),
  });
  return createClient({
    url: cli.url,
    getToken: session.getToken,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
  });
}
