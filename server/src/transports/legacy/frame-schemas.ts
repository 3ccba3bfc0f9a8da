// The frames of `/web` as zod schemas, for the AsyncAPI document. Only the envelopes are written
// here; what they carry (each package's `data`, the procedures' outputs, the events) is the shared
// and procedure schemas the callers pass in, so the document follows every change to those.
import { BROADCAST_REQ_ID, PkgID, StatusCode } from '@authors/shared';
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { z } from 'zod';
import { validationIssueSchema } from '../procedure-schemas';

const reqIdSchema = z
  .union([z.string(), z.number()])
  .describe('Chosen by the client (a UUID by convention); the answer carries it back');

export const authFrameSchema = z
  .object({
    type: z.literal('auth'),
    token: z.string().describe('`Bearer <jwt>`, or the bare access token'),
  })
  .describe('The first frame of a connection opened without `?token=`, within 5 s');

export const authOkFrameSchema = z
  .object({ type: z.literal('auth_ok') })
  .describe('Sent once the token is accepted, before anything else');

export function requestFrameSchema(pkgId: number, data: z.ZodType) {
  return z.object({
    pkg_id: z.literal(pkgId),
    req_id: reqIdSchema,
    data: data.optional().describe('May be omitted when every field is optional'),
  });
}

export function successFrameSchema(pkgId: number, data: z.ZodType, meta: z.ZodType) {
  return z.object({
    pkg_id: z.literal(pkgId),
    req_id: reqIdSchema,
    status_code: z.literal(StatusCode.OK),
    meta,
    data,
  });
}

/** What each error status stands for (frames.ts and transport.ts choose them). */
export const ERROR_STATUS_MEANINGS: Readonly<Record<Exclude<StatusCode, 0>, string>> = {
  [StatusCode.ERROR]:
    'not found, unknown pkg_id, rate limit exceeded (`WS_MESSAGE_RATE_LIMIT`), too many concurrent requests, internal error',
  [StatusCode.INVALID_DATA]: 'invalid data (schema validation, with `issues`), a conflict, a malformed frame',
  [StatusCode.PERMISSION_DENIED]: 'the user lacks a role the package needs',
};

const statusCodes = Object.entries(ERROR_STATUS_MEANINGS).map(([code, meaning]) => z.literal(Number(code)).describe(meaning));
const trpcCodes = Object.keys(TRPC_ERROR_CODES_BY_KEY) as [TRPC_ERROR_CODE_KEY, ...TRPC_ERROR_CODE_KEY[]];

export const errorFrameSchema = z
  .object({
    pkg_id: z.number().int().nullable().describe('Echoed from the request; null when it had no readable pkg_id'),
    req_id: reqIdSchema.nullable().describe('Echoed from the request; null when it had no readable req_id'),
    status_code: z.union(statusCodes),
    meta: z.null(),
    data: z.object({
      msg: z.string(),
      code: z.enum(trpcCodes).describe('The tRPC error code'),
      issues: z.array(validationIssueSchema).optional().describe('For status 2 from schema validation'),
    }),
    msg: z.string(),
  })
  .describe('The answer to a request that failed, or to a malformed frame (the connection stays open)');

export function broadcastFrameSchema(event: z.ZodType) {
  return z.object({
    pkg_id: z.literal(PkgID.GET_AUTHORS),
    req_id: z.literal(BROADCAST_REQ_ID),
    data: event,
  });
}
