// The input budget of every procedure call, on every transport: input holding more than
// MAX_INPUT_NODES values (counted after superjson decoding, shared references counted each time
// they are met) is BAD_REQUEST before the procedure runs. Without it, a few hundred bytes of
// superjson `referentialEqualities` unfold into an exponential tree for whatever walks the input
// next (validation, a procedure, a log line). The count stops at the budget (json/value-budget.ts),
// so refusing costs O(budget).
import { TRPCError } from '@trpc/server';
import { exceedsValueBudget } from '../json/value-budget';
import type { CallInfo } from './call-info';

export const inputTooLargeMessage = (maxValues: number) => `Input too large: more than ${maxValues} values`;

export async function enforceInputBudget({ ctx, getRawInput }: CallInfo): Promise<void> {
  const { maxInputNodes } = ctx.services.limits;
  if (exceedsValueBudget(await getRawInput(), maxInputNodes)) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: inputTooLargeMessage(maxInputNodes) });
  }
}
