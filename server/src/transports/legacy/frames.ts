// Reading request frames and writing response frames of the legacy protocol.
// Every malformed frame gets an answer echoing what could be read; none throws.
import {
  StatusCode,
  type LegacyErrorData,
  type LegacyResponse,
  type PaginationMeta,
  type ReqId,
} from '@authors/shared';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { PublicError } from '../../trpc/error-policy';

export type FrameData = Record<string, unknown>;

export interface LegacyRequestFrame {
  pkgId: number;
  reqId: ReqId;
  data: FrameData;
}

export type ParsedFrame = { ok: true; request: LegacyRequestFrame } | { ok: false; response: LegacyResponse<LegacyErrorData> };

export function isPlainObject(value: unknown): value is FrameData {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readReqId(value: unknown): ReqId | null {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? value : null;
}

function readPkgId(value: unknown): number | null {
  return Number.isSafeInteger(value) ? (value as number) : null;
}

export function errorFrame(
  pkgId: number | null,
  reqId: ReqId | null,
  statusCode: StatusCode,
  code: TRPC_ERROR_CODE_KEY,
  msg: string,
  issues?: unknown[],
): LegacyResponse<LegacyErrorData> {
  return {
    pkg_id: pkgId,
    req_id: reqId,
    status_code: statusCode,
    meta: null,
    data: issues ? { msg, code, issues } : { msg, code },
    msg,
  };
}

const invalid = (pkgId: number | null, reqId: ReqId | null, msg: string): ParsedFrame => ({
  ok: false,
  response: errorFrame(pkgId, reqId, StatusCode.INVALID_DATA, 'BAD_REQUEST', msg),
});

export function parseRequestFrame(text: string): ParsedFrame {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return invalid(null, null, 'Invalid JSON');
  }
  if (!isPlainObject(frame)) return invalid(null, null, 'Frame must be a JSON object');
  const pkgId = readPkgId(frame.pkg_id);
  const reqId = readReqId(frame.req_id);
  if (pkgId === null) return invalid(null, reqId, 'pkg_id must be an integer');
  if (reqId === null) return invalid(pkgId, null, 'req_id must be a string or a number');
  const data = frame.data ?? {};
  if (!isPlainObject(data)) return invalid(pkgId, reqId, 'data must be a JSON object');
  return { ok: true, request: { pkgId, reqId, data } };
}

export function successFrame(
  request: LegacyRequestFrame,
  data: unknown,
  meta: PaginationMeta | null,
): LegacyResponse {
  return { pkg_id: request.pkgId, req_id: request.reqId, status_code: StatusCode.OK, meta, data };
}

/** A failed call's frame: status and message are the error policy's (trpc/error-policy.ts); issues only for validation. */
export function procedureErrorFrame(request: LegacyRequestFrame, error: PublicError): LegacyResponse<LegacyErrorData> {
  const { code, legacy, issues } = error;
  return errorFrame(request.pkgId, request.reqId, legacy.status, code, legacy.msg, issues ?? undefined);
}
