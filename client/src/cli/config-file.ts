// Where `authors login` keeps its tokens: $XDG_CONFIG_HOME/authors-cli/config.json (else
// ~/.config/authors-cli/config.json), readable by the owner only, one session per server URL.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { tokenSetSchema } from '@authors/shared';
import { z } from 'zod';
import { CliError } from './errors';

const storedSessionSchema = z.object({
  username: z.string(),
  tokens: tokenSetSchema,
  /** Epoch milliseconds when the tokens were issued. */
  obtained_at: z.number(),
});
export type StoredSession = z.infer<typeof storedSessionSchema>;

const configSchema = z.object({ sessions: z.record(z.string(), storedSessionSchema) });
type CliConfig = z.infer<typeof configSchema>;

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'authors-cli', 'config.json');
}

function readConfig(path: string): CliConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { sessions: {} };
    throw error;
  }
  try {
    return configSchema.parse(JSON.parse(text));
  } catch {
    throw new CliError(`${path} is not a valid authors-cli config: delete it and log in again`);
  }
}

export function readSession(path: string, url: string): StoredSession | undefined {
  return readConfig(path).sessions[url];
}

/** Stores (or, with `undefined`, forgets) the session for `url`, keeping the others. */
export function writeSession(path: string, url: string, session: StoredSession | undefined): void {
  const config = readConfig(path);
  if (session) config.sessions[url] = session;
  else delete config.sessions[url];
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}
