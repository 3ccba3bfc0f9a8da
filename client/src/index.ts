// @authors/client: the typed tRPC client of the authors API, a token session that keeps it signed
// in, a merged live feed of author events and broadcasts, and the client of the legacy `/web` protocol.
export { createClient, type AppRouter, type AuthorsClient, type ClientOptions } from './create-client';
export { createTokenSession, type SessionTokens, type TokenSession, type TokenSessionOptions } from './token-session';
export { watchLiveEvents, type ConnectionState, type LiveEvent, type LiveEventHandlers } from './live-events';
export { TRPCClientError } from '@trpc/client';
export { errorText } from './error-text';
export type { Author, AuthorEvent, BroadcastEvent, CurrentUser, PaginatedAuthors, Role, TokenSet } from '@authors/shared';
export {
  LegacyClient,
  LegacyConnectionError,
  LegacyRequestError,
  type LegacyClientOptions,
  type LegacyResult,
} from './legacy-client';
export {
  BROADCAST_REQ_ID,
  legacyJsonSchemas,
  PkgID,
  StatusCode,
  type LegacyAuthor,
  type LegacyBroadcastData,
  type LegacyRequestData,
  type LegacyResponseData,
} from '@authors/shared';
