// The `/web` channel of the AsyncAPI document: the auth frame and `auth_ok`, a request and a success
// frame per pkg_id, the error frame, the broadcast frames, the close codes. Package data comes from
// the shared legacy schemas, answers from the output schema of the procedure each package calls
// (legacy/packages.ts), events from the shared event schemas.
import { authorEventSchema, broadcastEventSchema, legacyRequestDataSchemas, LegacyCloseCode, PkgID } from '@authors/shared';
import { z } from 'zod';
import { legacyPackages } from '../legacy/packages';
import {
  authFrameSchema,
  authOkFrameSchema,
  broadcastFrameSchema,
  errorFrameSchema,
  ERROR_STATUS_MEANINGS,
  requestFrameSchema,
  successFrameSchema,
} from '../legacy/frame-schemas';
import type { AppRouter } from '../../routers';
import { procedureDefinition, rolesSentence } from '../procedure-schemas';
import { CloseCode } from '../socket-guard';
import { closeCodes, closeCodeTable, markdownTable, message, toPayload, type ChannelPart, type Message } from './parts';

const CHANNEL = 'legacy';
const ref = (key: string) => ({ $ref: `#/channels/${CHANNEL}/messages/${key}` });
const channelRef = { $ref: `#/channels/${CHANNEL}` };

const LEGACY_CLOSE_CODES = closeCodes({
  [LegacyCloseCode.INVALID_TOKEN]: 'a bad token (in the URL or the auth frame), a first frame that is not an auth frame, or the token expiring while connected',
  [LegacyCloseCode.AUTH_TIMEOUT]: 'no auth frame within 5 s',
  [LegacyCloseCode.POLICY_VIOLATION]: 'over `WS_MAX_CONNECTIONS_PER_USER` (counted across instances)',
  [LegacyCloseCode.MESSAGE_TOO_BIG]: 'a frame over `WS_MAX_PAYLOAD`',
  [CloseCode.SERVER_RESTART]:
    'the instance is shutting down, after answering every request it read on the socket: a request without an answer never ran; reconnect and send it again',
  [CloseCode.GOING_AWAY]:
    'the instance shut down with requests still running (`SHUTDOWN_TIMEOUT_MS`): a request without an answer may or may not have run; reconnect',
});

/**
 * A package answers with the procedure's output as `data` and `meta` null, except that a paginated
 * output (`{items, meta}`) puts its items in `data` and its pagination in `meta` (packages.ts).
 */
function answerOf(output: z.ZodType): { data: z.ZodType; meta: z.ZodType } {
  if (output instanceof z.ZodObject && 'items' in output.shape && 'meta' in output.shape) {
    return { data: output.shape.items as z.ZodType, meta: output.shape.meta as z.ZodType };
  }
  return { data: output, meta: z.null() };
}

export function legacyChannel(router: AppRouter): ChannelPart {
  const messages: Record<string, Message> = {
    auth: message('Auth frame', toPayload(authFrameSchema, 'input')),
    authOk: message('Authenticated', toPayload(authOkFrameSchema, 'output')),
    error: message('Error answer', toPayload(errorFrameSchema, 'output')),
    authorEvent: message(
      'Author event',
      toPayload(broadcastFrameSchema(authorEventSchema), 'output'),
      'An author was created, updated or deleted (on any instance)',
    ),
    systemBroadcast: message(
      'Admin broadcast',
      toPayload(broadcastFrameSchema(broadcastEventSchema), 'output'),
      'A message an admin sent with `system.broadcast`',
    ),
  };
  const operations: Record<string, unknown> = {
    authenticate: {
      action: 'receive',
      channel: channelRef,
      summary: 'Authenticate with a first frame (when the URL has no `?token=`)',
      messages: [ref('auth')],
      reply: { channel: channelRef, messages: [ref('authOk')] },
    },
  };

  for (const [name, pkgId] of Object.entries(PkgID)) {
    const entry = legacyPackages[pkgId];
    if (!entry) throw new Error(`pkg_id ${pkgId} (${name}) has no entry in the package table`);
    const { output, meta } = procedureDefinition(router, entry.procedure);
    if (!output) throw new Error(`${entry.procedure} has no output schema to document pkg_id ${pkgId} with`);
    const answer = answerOf(output);
    messages[`${name}.request`] = message(`${name} request`, toPayload(requestFrameSchema(pkgId, legacyRequestDataSchemas[pkgId]), 'input'));
    messages[`${name}.response`] = message(`${name} answer`, toPayload(successFrameSchema(pkgId, answer.data, answer.meta), 'output'));
    operations[name] = {
      action: 'receive',
      channel: channelRef,
      summary: `pkg_id ${pkgId}: calls \`${entry.procedure}\``,
      description: [rolesSentence(meta.roles), 'Answered with the request\'s `req_id`; requests on one connection run concurrently (at most 64 at a time).']
        .filter(Boolean)
        .join(' '),
      messages: [ref(`${name}.request`)],
      reply: { channel: channelRef, messages: [ref(`${name}.response`), ref('error')] },
    };
  }
  const unknownPackages = Object.keys(legacyPackages).filter((pkgId) => !Object.values(PkgID).includes(Number(pkgId) as PkgID));
  if (unknownPackages.length) throw new Error(`pkg_id ${unknownPackages.join(', ')} has no name in PkgID`);

  // A socket's pushes are its session's subscriptions to these procedures, under their roles.
  const pushedBy = (procedure: string) =>
    [`The session's \`${procedure}\` subscription.`, rolesSentence(procedureDefinition(router, procedure).meta.roles)].filter(Boolean).join(' ');
  operations.authorEvents = {
    action: 'send',
    channel: channelRef,
    summary: 'Author events, to connections whose user holds get-authors',
    description: pushedBy('authors.onChange'),
    messages: [ref('authorEvent')],
  };
  operations.systemBroadcasts = {
    action: 'send',
    channel: channelRef,
    summary: 'Admin broadcasts, to every authenticated connection',
    description: pushedBy('system.onBroadcast'),
    messages: [ref('systemBroadcast')],
  };

  const statusTable = markdownTable(
    ['status_code', 'meaning'],
    [['0', 'OK'], ...Object.entries(ERROR_STATUS_MEANINGS).map(([code, meaning]) => [code, meaning])],
  );
  return {
    key: CHANNEL,
    overview: [
      '### The legacy JSON protocol (`/web`)',
      'Authenticate with `?token=<jwt>` in the URL, or with an auth frame as the first frame; the server answers ' +
        '`auth_ok` before anything else. Requests are `{pkg_id, req_id, data}`; each answer carries the request\'s ' +
        '`pkg_id` and `req_id`, a `status_code`, `meta` (pagination for GET_PAGINATED_AUTHORS, else null) and `data`. ' +
        'A frame that is not JSON, not an object, or lacks a valid `pkg_id`/`req_id` gets a status 2 answer echoing ' +
        'what could be read, and the connection stays open.',
      statusTable,
      `Author events (to users holding \`get-authors\`, the rule of \`authors.onChange\`) and admin broadcasts (to every ` +
        `authenticated connection) reach sockets on any instance as pkg_id ${PkgID.GET_AUTHORS} frames with the all-zero req_id.`,
      closeCodeTable(LEGACY_CLOSE_CODES),
    ].join('\n\n'),
    channel: {
      address: '/web',
      title: 'Legacy JSON protocol',
      description: 'Raw JSON frames (`pkg_id`/`req_id`) for clients that cannot use tRPC.',
      messages,
      bindings: {
        ws: {
          method: 'GET',
          query: {
            type: 'object',
            properties: { token: { type: 'string', description: 'The access token (else send an auth frame first)' } },
          },
          bindingVersion: '0.1.0',
        },
      },
      'x-close-codes': LEGACY_CLOSE_CODES,
    },
    operations,
  };
}
