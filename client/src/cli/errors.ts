// What the CLI tells the user when something fails, and with which exit code: 2 for a usage
// mistake, 1 for everything else (refused by the server, server unreachable).
import { TRPCClientError } from '@trpc/client';
import { errorText } from '../error-text';

export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, 2);

/** One line for stderr: the server's message and its tRPC code, or why the server could not be reached. */
export function describeError(error: unknown, url: string): string {
  if (error instanceof CliError) return error.message;
  if (error instanceof TRPCClientError) {
    const code: unknown = error.data?.code;
    if (code === 'UNAUTHORIZED') return `not signed in to ${url} (or the session ended): run \`authors-cli login <username>\``;
    if (typeof code === 'string') return errorText(error);
    const cause = error.cause instanceof Error ? error.cause.message : error.message;
    return `cannot reach ${url}: ${cause}`;
  }
  return error instanceof Error ? error.message : String(error);
}
