// Server-initiated broadcasts: an admin sends a message; every connected client receives it.
import { broadcastInput, type BroadcastEvent } from '@authors/shared';
import { tracked } from '@trpc/server';
import { z } from 'zod';
import { router } from '../trpc/init';
import { protectedProcedure } from '../trpc/procedures';
import { followStream } from './events';

export const systemRouter = router({
  broadcast: protectedProcedure
    .meta({ roles: ['admin'] })
    .input(broadcastInput)
    .output(z.object({ delivered: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.services.events.publish({ type: 'broadcast', message: input.message, from: ctx.user.username });
      return { delivered: true as const };
    }),

  /** Broadcasts from now on (no replay: a broadcast is a notice, not state). */
  onBroadcast: protectedProcedure.subscription(async function* ({ ctx, signal }) {
    for await (const { id, event } of followStream(ctx, undefined, signal)) {
      if (event.type === 'broadcast') yield tracked(id, event satisfies BroadcastEvent);
    }
  }),
});
