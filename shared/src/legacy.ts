// The legacy raw-JSON WebSocket protocol (`/web`): package ids, status codes, frame shapes, and the
// `data` each package accepts. The server maps these onto procedures; the LegacyClient and non-TS
// clients (through the JSON Schemas) speak them.
import { z } from 'zod';
import { authorFilterSchema, authorIdSchema, authorNameSchema, nameFilterSchema } from './author';
import { decimalInteger } from './integer';
import { cursorSchema, pageNumberSchema, perPageNumberSchema, type PaginationMeta } from './pagination';

export const PkgID = {
  GET_AUTHORS: 1,
  GET_PAGINATED_AUTHORS: 2,
  CREATE_AUTHOR: 3,
  UPDATE_AUTHOR: 4,
  DELETE_AUTHOR: 5,
} as const;
export type PkgID = (typeof PkgID)[keyof typeof PkgID];

export const StatusCode = {
  OK: 0,
  /** Not found, database error, internal error, rate limit exceeded. */
  ERROR: 1,
  /** Schema validation failed, conflict. */
  INVALID_DATA: 2,
  PERMISSION_DENIED: 3,
} as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

/** The req_id of server-initiated frames (broadcasts). */
export const BROADCAST_REQ_ID = '00000000-0000-0000-0000-000000000000';

/** Close codes of `/web`. */
export const LegacyCloseCode = {
  INVALID_TOKEN: 4001,
  AUTH_TIMEOUT: 4002,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
} as const;

export type ReqId = string | number;

export interface LegacyRequest<P extends PkgID = PkgID> {
  pkg_id: P;
  req_id: ReqId;
  data?: LegacyRequestData[P];
}

export interface LegacyResponse<T = unknown> {
  pkg_id: number | null;
  req_id: ReqId | null;
  status_code: StatusCode;
  /** Pagination metadata for GET_PAGINATED_AUTHORS, null otherwise. */
  meta: PaginationMeta | null;
  data: T;
  /** Present on errors. */
  msg?: string;
}

export interface LegacyErrorData {
  msg: string;
  /** The tRPC error code. */
  code: string;
  /** Validation issues, for status 2 from schema validation. */
  issues?: unknown[];
}

const filterShape = {
  ...authorFilterSchema.shape,
  /** Older clients' name for `search`. */
  search_term: nameFilterSchema.optional(),
};
const filterKeys = z.strictObject(filterShape);

/**
 * What `data` may hold for each package: strict objects, as the original protocol published them
 * (a key the package does not know is invalid data, not ignored). The server checks every frame's
 * `data` against these before it calls the package's procedure.
 */
export const legacyRequestDataSchemas = {
  [PkgID.GET_AUTHORS]: z.strictObject({ ...filterShape, filters: filterKeys.optional() }),
  [PkgID.GET_PAGINATED_AUTHORS]: z.strictObject({
    page: decimalInteger(pageNumberSchema).optional(),
    per_page: decimalInteger(perPageNumberSchema).optional(),
    cursor: cursorSchema.optional(),
    filters: filterKeys.optional(),
  }),
  [PkgID.CREATE_AUTHOR]: z.strictObject({ name: authorNameSchema }),
  [PkgID.UPDATE_AUTHOR]: z.strictObject({ id: authorIdSchema, name: authorNameSchema }),
  [PkgID.DELETE_AUTHOR]: z.strictObject({ id: authorIdSchema }),
} satisfies Record<PkgID, z.ZodType>;

/** An author as legacy frames carry it: plain JSON, dates as ISO-8601 strings. */
export interface LegacyAuthor {
  id: number;
  name: string;
  created_at: string;
  updated_at: string;
}

/** What `data` holds in a successful response to each package. */
export interface LegacyResponseData {
  [PkgID.GET_AUTHORS]: LegacyAuthor[];
  [PkgID.GET_PAGINATED_AUTHORS]: LegacyAuthor[];
  [PkgID.CREATE_AUTHOR]: LegacyAuthor;
  [PkgID.UPDATE_AUTHOR]: LegacyAuthor;
  [PkgID.DELETE_AUTHOR]: LegacyAuthor;
}

/** The `data` of a broadcast frame (pkg_id 1, req_id BROADCAST_REQ_ID). */
export type LegacyBroadcastData =
  | { type: 'created' | 'updated' | 'deleted'; author: LegacyAuthor }
  | { type: 'broadcast'; message: string; from: string };

export type LegacyRequestData = { [P in PkgID]: z.input<(typeof legacyRequestDataSchemas)[P]> };

/** JSON Schemas of each package's `data`, for legacy clients in other languages. */
export function legacyJsonSchemas(): Record<PkgID, unknown> {
  return Object.fromEntries(
    Object.entries(legacyRequestDataSchemas).map(([pkgId, schema]) => [pkgId, z.toJSONSchema(schema, { io: 'input' })]),
  ) as Record<PkgID, unknown>;
}
