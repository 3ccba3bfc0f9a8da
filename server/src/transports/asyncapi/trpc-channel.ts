// The `/trpc` WebSocket channel of the AsyncAPI document: for each subscription procedure, the
// subscription request (its input schema) and the data frame each event arrives in (the event schema
// it yields). The frames are tRPC's own protocol with superjson; a TypeScript app uses @trpc/client
// (or @authors/client) rather than writing them, but other languages can.
import { authorEventSchema, broadcastEventSchema, eventIdSchema } from '@authors/shared';
import { z } from 'zod';
import type { AppRouter } from '../../routers';
import { procedureDefinition, procedurePaths, rolesSentence } from '../procedure-schemas';
import { CloseCode } from '../socket-guard';
import { closeCodes, closeCodeTable, message, toPayload, type ChannelPart, type Message } from './parts';

const CHANNEL = 'trpc';
const ref = (key: string) => ({ $ref: `#/channels/${CHANNEL}/messages/${key}` });
const channelRef = { $ref: `#/channels/${CHANNEL}` };

/** What each subscription yields, `tracked` with its stream id. A new subscription must be added here. */
const SUBSCRIPTION_EVENTS: Readonly<Record<string, z.ZodType>> = {
  'authors.onChange': authorEventSchema,
  'system.onBroadcast': broadcastEventSchema,
};

const TRPC_CLOSE_CODES = closeCodes({
  [CloseCode.INVALID_TOKEN]: 'missing, bad or expired `connectionParams.token` (pending calls answer UNAUTHORIZED first)',
  [CloseCode.POLICY_VIOLATION]: 'over `WS_MAX_CONNECTIONS_PER_USER` (counted across instances)',
  [CloseCode.SERVER_RESTART]:
    'the instance is shutting down, after tRPC\'s reconnect notification (its subscriptions are not answered `stopped`): reconnect and resubscribe with `lastEventId`',
});

const requestId = z.union([z.string(), z.number()]).describe('The id the client gave its subscription request');

/** superjson's encoding: the value as JSON, plus type annotations (`meta`) for the Dates in it. */
const superjson = (json: z.ZodType) =>
  z.object({ json, meta: z.record(z.string(), z.unknown()).optional().describe('superjson type annotations') });

function subscriptionRequest(path: string, input: z.ZodType | undefined) {
  return z.object({
    id: requestId,
    method: z.literal('subscription'),
    params: z.object({
      path: z.literal(path),
      // Required even without an input: tRPC decodes it unconditionally (superjson of `undefined` is `{}`).
      input: input ? superjson(input) : z.object({}).describe('The procedure takes no input: `{}`'),
      lastEventId: eventIdSchema.optional().describe('Set by tRPC clients when they resubscribe; merged into the input'),
    }),
  });
}

function dataFrame(event: z.ZodType) {
  return z.object({
    id: requestId,
    result: z.object({
      type: z.literal('data'),
      id: eventIdSchema.describe('The event id: pass it as `lastEventId` to resume after a reconnect'),
      data: superjson(z.object({ id: eventIdSchema, data: event })),
    }),
  });
}

export function trpcChannel(router: AppRouter): ChannelPart {
  const undocumented = procedurePaths(router, 'subscription').filter((path) => !SUBSCRIPTION_EVENTS[path]);
  if (undocumented.length) throw new Error(`no event schema for the subscription(s) ${undocumented.join(', ')}`);

  const messages: Record<string, Message> = {};
  const operations: Record<string, unknown> = {};
  for (const [path, event] of Object.entries(SUBSCRIPTION_EVENTS)) {
    const { type, input, meta } = procedureDefinition(router, path);
    if (type !== 'subscription') throw new Error(`${path} is not a subscription`);
    messages[`${path}.subscribe`] = message(`${path} subscription`, toPayload(subscriptionRequest(path, input), 'input'));
    messages[`${path}.data`] = message(`${path} event`, toPayload(dataFrame(event), 'output'));
    operations[path] = {
      action: 'receive',
      channel: channelRef,
      summary: `Subscribe to \`${path}\``,
      description: [rolesSentence(meta.roles), 'Each event is a data frame with the subscription request\'s id, until `subscription.stop`.']
        .filter(Boolean)
        .join(' '),
      messages: [ref(`${path}.subscribe`)],
      reply: { channel: channelRef, messages: [ref(`${path}.data`)] },
    };
  }

  return {
    key: CHANNEL,
    overview: [
      '### tRPC subscriptions (`/trpc`)',
      'tRPC\'s WebSocket protocol with superjson on the wire, as @trpc/client speaks it. Authenticate with tRPC\'s ' +
        '`connectionParams`: `?connectionParams=1` in the URL and `{"method":"connectionParams","data":{"token":"<jwt>"}}` ' +
        'as the first frame. Queries and mutations work on this socket too; only the subscriptions are described here. ' +
        'The same events stream over Server-Sent Events from `GET /trpc/<path>?input=…` (tRPC\'s `httpSubscriptionLink`), ' +
        'with the event id as the SSE `id` and `Last-Event-ID` to resume.',
      closeCodeTable(TRPC_CLOSE_CODES),
    ].join('\n\n'),
    channel: {
      address: '/trpc',
      title: 'tRPC subscriptions',
      description: 'tRPC\'s WebSocket protocol (superjson); the data frames carry the events.',
      messages,
      bindings: { ws: { method: 'GET', bindingVersion: '0.1.0' } },
      'x-close-codes': TRPC_CLOSE_CODES,
    },
    operations,
  };
}
