// What a legacy socket is pushed: author events and admin broadcasts, each through the procedure a
// tRPC client subscribes to (`authors.onChange`, `system.onBroadcast`), called on the socket's own
// server-side caller. So the procedures' rules decide who receives what — a user without
// `get-authors` gets no author events, as `authors.onChange` refuses them — and they live in one
// place. The feeds push (trpc/event-feed.ts): an event reaches each socket with one function call,
// and its frame is serialized, UTF-8 encoded and framed once per event for every socket (keyed by the
// event object, which every subscriber shares; see shared-frame.ts), not once per socket.
import { BROADCAST_REQ_ID, type AppEvent } from '@authors/shared';
import { isTrackedEnvelope, TRPCError } from '@trpc/server';
import { encodeJson } from '../../json/encode-json';
import { isEventFeed, type EventFeedSink } from '../../trpc/event-feed';
import { SharedFrame } from '../shared-frame';
import type { Caller } from './packages';

const frames = new WeakMap<object, SharedFrame>();
/**
 * The value of the last push and its frame. The live subscribers of a feed are handed the same value
 * one after another (state/follow-events.ts), so all but the first find their frame here with one
 * comparison; the map serves the others (a replay's values, the other feed's).
 */
let lastPush: { value: unknown; frame: SharedFrame } | undefined;

/** `{"pkg_id":1,"req_id":"0000…","data":<event>}`, built once per event. */
function pushFrame(value: unknown): SharedFrame {
  if (lastPush && lastPush.value === value) return lastPush.frame;
  const event = (isTrackedEnvelope(value) ? value[1] : value) as AppEvent;
  let frame = frames.get(event);
  if (!frame) {
    frame = new SharedFrame(encodeJson({ pkg_id: 1, req_id: BROADCAST_REQ_ID, data: event })!);
    frames.set(event, frame);
  }
  lastPush = { value, frame };
  return frame;
}

/** The feeds end only when the socket closes: nothing to do then. */
const ignore = () => {};

export interface PushTarget {
  send(frame: SharedFrame): void;
  /** A feed failed: the socket should go (its client reconnects and subscribes again). */
  fail(error: unknown): void;
}

/**
 * Subscribes the socket's caller to every push; resolves once each is live or refused. A refusal
 * (FORBIDDEN, UNAUTHORIZED) means this user does not get those events; any other error is thrown.
 * The subscriptions end when the caller's signal aborts (the socket closed) or the server stops.
 */
export async function subscribePushes(caller: Caller, target: PushTarget): Promise<void> {
  const sink: EventFeedSink<unknown> = { next: (value) => target.send(pushFrame(value)), error: target.fail, complete: ignore };
  const subscriptions = await Promise.allSettled([caller.authors.onChange({}), caller.system.onBroadcast()]);
  for (const subscription of subscriptions) {
    if (subscription.status === 'rejected') {
      const { reason } = subscription;
      if (reason instanceof TRPCError && (reason.code === 'FORBIDDEN' || reason.code === 'UNAUTHORIZED')) continue;
      throw reason;
    }
    if (!isEventFeed(subscription.value)) throw new Error('legacy pushes need an event feed');
    subscription.value.attach(sink);
  }
}
