// Glue between procedures and the event stream: publishing never fails a committed write, and
// stream errors become tRPC errors a client can act on.
import type { AppEvent } from '@authors/shared';
import { TRPCError } from '@trpc/server';
import { EventTooOldError, type StreamEvent } from '../state/event-stream';
import { SubscriberTooSlowError } from '../state/follow-events';
import type { Context } from '../trpc/context';
import { createEventFeed, shareImmutable, type EventFeed } from '../trpc/event-feed';

/**
 * Publishes after the write has committed. A failure is logged, not thrown: the write succeeded and
 * the caller must learn that; subscribers recover by refetching.
 */
export async function publishEvent(ctx: Context, event: AppEvent): Promise<void> {
  try {
    await ctx.services.events.publish(event);
  } catch (error) {
    ctx.services.telemetry.logger.error({ err: error, type: event.type }, 'failed to publish event');
  }
}

function toTrpcError(error: unknown): unknown {
  if (error instanceof EventTooOldError || error instanceof SubscriberTooSlowError) {
    return new TRPCError({ code: 'PRECONDITION_FAILED', message: error.message, cause: error });
  }
  return error;
}

/**
 * The resumable feed of the events `select` picks (and maps), ending when the subscription stops and
 * interrupted (never ended) by a server shutdown, with stream errors mapped to tRPC errors.
 * Transports pull it or push it (trpc/event-feed.ts).
 */
export function followStream<T>(
  ctx: Context,
  lastEventId: string | null | undefined,
  signal: AbortSignal | undefined,
  select: Select<T>,
): EventFeed<T> {
  return createEventFeed(ctx.services.events, {
    lastEventId,
    signal: signal ?? new AbortController().signal,
    shutdown: ctx.services.shutdownSignal,
    select: sharing(select),
    mapError: toTrpcError,
  });
}

type Select<T> = (entry: StreamEvent) => T | undefined;
const sharingSelects = new WeakMap<Select<unknown>, Select<unknown>>();

/**
 * `select`, declaring each event immutable first: every subscriber gets the same event object, so
 * it is serialized once for all. One wrapper per `select`, not per subscriber: the subscribers
 * passing the same function share one selection per event (state/follow-events.ts).
 */
function sharing<T>(select: Select<T>): Select<T> {
  let wrapped = sharingSelects.get(select);
  if (!wrapped) {
    wrapped = (entry) => {
      shareImmutable(entry.event);
      return select(entry);
    };
    sharingSelects.set(select, wrapped);
  }
  return wrapped as Select<T>;
}
