// The audit log, read side: admins list calls (filtered, newest first, paginated) or fetch one.
import { auditLogByIdInput, auditLogPageSchema, auditLogSchema, listAuditLogsInput } from '@authors/shared';
import { TRPCError } from '@trpc/server';
import { router } from '../trpc/init';
import { protectedProcedure } from '../trpc/procedures';

export const auditRouter = router({
  list: protectedProcedure
    .meta({ roles: ['admin'] })
    .input(listAuditLogsInput)
    .output(auditLogPageSchema)
    .query(async ({ ctx, input }) => {
      if (input.start_date && input.end_date && input.start_date > input.end_date) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'start_date must not be after end_date' });
      }
      const perPage = input.per_page;
      const { items, total } = await ctx.services.auditLogs.page(
        {
          userId: input.user_id,
          username: input.username,
          action: input.action_type,
          outcome: input.outcome,
          start: input.start_date,
          end: input.end_date,
        },
        (input.page - 1) * perPage,
        perPage,
      );
      const pages = Math.ceil(total / perPage);
      return { items, meta: { page: input.page, per_page: perPage, total, pages, has_more: input.page < pages } };
    }),

  byId: protectedProcedure
    .meta({ roles: ['admin'] })
    .input(auditLogByIdInput)
    .output(auditLogSchema)
    .query(async ({ ctx, input }) => {
      const entry = await ctx.services.auditLogs.byId(input.id);
      if (!entry) throw new TRPCError({ code: 'NOT_FOUND', message: `Audit log ${input.id} not found` });
      return entry;
    }),
});
