// The one error policy of every transport: what a failed call tells its client. `publicErrorOf`
// maps any error to its tRPC code, the message tRPC clients read, the REST status and `detail`, the
// legacy `status_code` and `msg`, and zod's issues; the tRPC error formatter (trpc/init.ts), the REST
// adapter and the legacy frames only write that down in their wire format.
//
// Only the API's own errors are shown as they are: a TRPCError the code threw on purpose (with its
// own message) or a validation failure. Anything else — a bug or a broken dependency
// (INTERNAL_SERVER_ERROR), a library choking on odd input whose message tRPC took over ("Maximum call
// stack size exceeded", "Cannot destructure property…") — is `unexpected`: its client reads a generic
// message, and the server logs it once (`claimReport`) with the correlation id. Error path only.
import { StatusCode } from '@authors/shared';
import { getTRPCErrorFromUnknown, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../db/errors';
import type { Logger } from '../observability/logger';

export const INTERNAL_ERROR_MESSAGE = 'Internal server error';
/** What a client reads for input a library (not the API) refused; tRPC's own wording for that case. */
export const INVALID_INPUT_MESSAGE = 'Invalid input';
export const DATABASE_UNAVAILABLE_MESSAGE = 'Database unavailable, please try again later';
export const VALIDATION_MESSAGE = 'Invalid data';
/** The message of TOO_MANY_REQUESTS on tRPC and legacy… */
export const RATE_LIMIT_EXCEEDED_MESSAGE = 'Rate limit exceeded';
/** …and the REST 429 `detail`, as the original REST API words it. */
export const RATE_LIMIT_DETAIL = 'Rate limit exceeded. Please try again later.';

type ZodIssue = z.core.$ZodIssue;

export interface PublicError {
  /** The tRPC code; tRPC derives its HTTP status and JSON-RPC code from it. */
  code: TRPC_ERROR_CODE_KEY;
  /** What tRPC clients read as `message` (for a validation failure: zod's issues as JSON, as stock tRPC sends). */
  message: string;
  /** zod's issues when input validation failed, else null. */
  issues: ZodIssue[] | null;
  /** Not the API's own error: answered generically, to be logged once with its cause. */
  unexpected: boolean;
  rest: { status: number; detail: string };
  legacy: { status: StatusCode; msg: string };
}

/**
 * Causes whose message the API may pass on: tRPC's own and ours, zod's validation, and a
 * SyntaxError, which is JSON.parse describing the client's malformed JSON (as tRPC's adapters answer).
 */
const hasPublicMessage = (cause: Error): boolean =>
  cause instanceof TRPCError || cause instanceof z.ZodError || cause instanceof SyntaxError;

/**
 * False for input that a library, not the API, refused: tRPC turns whatever reading the input throws
 * into BAD_REQUEST (PARSE_ERROR for a frame) with that error's message. Other codes are thrown on
 * purpose by the code, which words their message (a plain throw becomes INTERNAL_SERVER_ERROR).
 */
function isOwnMessage({ code, cause, message }: TRPCError): boolean {
  if (code !== 'BAD_REQUEST' && code !== 'PARSE_ERROR') return true;
  return cause === undefined || hasPublicMessage(cause) || message !== cause.message;
}

interface Wording {
  issues?: ZodIssue[];
  detail?: string;
  msg?: string;
}

const LEGACY_STATUS: Partial<Record<TRPC_ERROR_CODE_KEY, StatusCode>> = {
  UNAUTHORIZED: StatusCode.PERMISSION_DENIED,
  FORBIDDEN: StatusCode.PERMISSION_DENIED,
  BAD_REQUEST: StatusCode.INVALID_DATA,
  CONFLICT: StatusCode.INVALID_DATA,
};

/** REST answers invalid input with 422 (the request was well-formed, its data is not acceptable). */
function restStatusOf(error: TRPCError): number {
  if (error.code === 'BAD_REQUEST') return 422;
  if (error.code === 'INTERNAL_SERVER_ERROR' && isDatabaseUnavailable(error.cause)) return 503;
  return getHTTPStatusCodeFromError(error);
}

/** The answer every transport gives for `cause` (anything thrown: wrapped as tRPC does). */
export function publicErrorOf(cause: unknown): PublicError {
  const error = getTRPCErrorFromUnknown(cause);
  const { code } = error;
  const legacyStatus = LEGACY_STATUS[code] ?? StatusCode.ERROR;
  const restStatus = restStatusOf(error);
  /** `wording` holds the transports' own texts where their documented formats differ. */
  const answer = (message: string, unexpected: boolean, wording: Wording = {}): PublicError => ({
    code,
    message,
    issues: wording.issues ?? null,
    unexpected,
    rest: { status: restStatus, detail: wording.detail ?? message },
    legacy: { status: legacyStatus, msg: wording.msg ?? message },
  });

  if (code === 'INTERNAL_SERVER_ERROR') {
    // An unreachable database reveals nothing and tells the client to retry (REST: 503).
    return answer(isDatabaseUnavailable(error.cause) ? DATABASE_UNAVAILABLE_MESSAGE : INTERNAL_ERROR_MESSAGE, true);
  }
  if (error.cause instanceof z.ZodError) {
    const { issues, message } = error.cause;
    return answer(message, false, { issues, detail: VALIDATION_MESSAGE, msg: VALIDATION_MESSAGE });
  }
  if (!isOwnMessage(error)) return answer(INVALID_INPUT_MESSAGE, true);
  if (code === 'TOO_MANY_REQUESTS') {
    return answer(error.message, false, { detail: RATE_LIMIT_DETAIL, msg: RATE_LIMIT_EXCEEDED_MESSAGE });
  }
  return answer(error.message, false);
}

const reported = new WeakSet<object>();

/**
 * True the first time it is asked about an error (or the TRPCError wrapping it): whoever gets true
 * logs it. The same failure passes several layers — the call middleware, the transport — and must
 * be logged exactly once.
 */
export function claimReport(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const cause = error instanceof TRPCError ? error.cause : undefined;
  if (reported.has(error) || (cause !== undefined && reported.has(cause))) return false;
  reported.add(error);
  if (cause !== undefined) reported.add(cause);
  return true;
}

/** Logs `error` with `fields` and `message` unless another layer has logged it already (claimReport). */
export function reportOnce(logger: Logger, error: unknown, fields: Record<string, unknown>, message: string): void {
  if (claimReport(error)) logger.error({ err: error, ...fields }, message);
}
