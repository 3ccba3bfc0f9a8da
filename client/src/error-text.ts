// One line for a failed call, for people (the CLI's stderr, the web app's status line). For invalid
// input a tRPC server sends zod's issues as JSON in `message` (as stock tRPC does); this server also
// sends them in `data.issues`, which is read here instead and written one issue per clause.
import { TRPCClientError } from '@trpc/client';

interface Issue {
  path: PropertyKey[];
  message: string;
}

const isIssue = (value: unknown): value is Issue =>
  typeof value === 'object' && value !== null && 'path' in value && Array.isArray(value.path) && 'message' in value && typeof value.message === 'string';

/** `Invalid data: name: Too small…; id: …`, or the server's message; then its tRPC code in brackets. */
export function errorText(error: unknown): string {
  if (!(error instanceof TRPCClientError)) return error instanceof Error ? error.message : String(error);
  const data: unknown = error.data;
  const code = typeof data === 'object' && data !== null && 'code' in data ? data.code : undefined;
  const issues = typeof data === 'object' && data !== null && 'issues' in data && Array.isArray(data.issues) ? data.issues.filter(isIssue) : [];
  const message = issues.length
    ? `Invalid data: ${issues.map(({ path, message: text }) => (path.length ? `${path.map(String).join('.')}: ${text}` : text)).join('; ')}`
    : error.message;
  return typeof code === 'string' ? `${message} (${code})` : message;
}
