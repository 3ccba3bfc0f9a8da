// What the cross-cutting steps of a procedure call (middleware/call.ts) know about it: tRPC's
// middleware options, narrowed to the fields they read.
import type { ProcedureType } from '@trpc/server';
import type { Context } from '../trpc/context';
import type { Meta } from '../trpc/init';

export interface CallInfo {
  ctx: Context;
  path: string;
  type: ProcedureType;
  meta: Meta | undefined;
  /** The input as the caller sent it (parsed from the wire), before validation. */
  getRawInput(): Promise<unknown>;
}
