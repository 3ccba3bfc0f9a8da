// Server-initiated broadcasts: an admin sends a message; every connected client receives it.
import { broadcastInput, type BroadcastEvent } from '@authors/shared';
import { tracked } from '@trpc/server';
import { z } from 'zod';
import type { StreamEvent } from '../state/event-stream';
import { router } from '../trpc/init';
import { protectedProcedure } from '../trpc/procedures';
import { followStream } from './events';

/** Broadcasts only. Made once, not per subscription: every subscriber keeps the function (bench W5). */
const broadcastOf = ({ id, event }: StreamEvent) => (event.type === 'broadcast' ? tracked(id, event satisfies BroadcastEvent) : undefined);

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
  onBroadcast: protectedProcedure.subscription(({ ctx, signal }) => followStream(ctx, undefined, signal, broadcastOf)),
});
