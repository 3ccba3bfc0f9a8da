// The AsyncAPI 3.0 document of the WebSocket protocols, generated at start-up from the same zod
// schemas the procedures validate with and the package table the legacy transport runs, so it cannot
// drift from what the server does. Served at /asyncapi.json and rendered at /asyncapi.
import type { AppRouter } from '../../routers';
import { legacyChannel } from './legacy-channel';
import type { ChannelPart } from './parts';
import { trpcChannel } from './trpc-channel';

export type AsyncApiDocument = Record<string, unknown>;

export function buildAsyncApiDocument(router: AppRouter, version: string): AsyncApiDocument {
  const parts: ChannelPart[] = [legacyChannel(router), trpcChannel(router)];
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Authors WebSocket API',
      version,
      description: [
        'The WebSocket faces of the authors API: the legacy JSON protocol at `/web` (`pkg_id`/`req_id` frames, ' +
          'for clients in any language) and the events of the tRPC subscriptions at `/trpc`. Both run the same ' +
          'procedures as REST (`/openapi.json`), with the same roles, validation and rate limits. Access tokens come ' +
          'from `POST /login`.',
        ...parts.map(({ overview }) => overview),
      ].join('\n\n'),
    },
    defaultContentType: 'application/json',
    channels: Object.fromEntries(parts.map(({ key, channel }) => [key, channel])),
    operations: Object.assign({}, ...parts.map(({ operations }) => operations)) as Record<string, unknown>,
  };
}
