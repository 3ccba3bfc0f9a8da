// One live feed of what happens on the server: author changes (authors.onChange) and admin
// broadcasts (system.onBroadcast), merged for a UI panel or a terminal. Reconnecting is the
// subscription link's job: the WebSocket client retries with back-off and re-subscribes with the
// last event id it saw, so author events missed while disconnected arrive first, without duplicates.
import type { AuthorEvent, BroadcastEvent } from '@authors/shared';
import type { TRPCClientErrorLike } from '@trpc/client';
import type { AppRouter } from '@authors/server/router';
import type { AuthorsClient } from './create-client';

/** An event with its stream id (`<ms>-<seq>`). */
export type LiveEvent = (AuthorEvent | BroadcastEvent) & { id: string };

export type ConnectionState = 'connecting' | 'live';

export interface LiveEventHandlers {
  onEvent(event: LiveEvent): void;
  /** `live` once both subscriptions have started (again, after a reconnect); `connecting` while the link retries. */
  onState?(state: ConnectionState, error?: Error): void;
  /** A subscription ended with an error the link does not retry (e.g. signed out, or the feed fell too far behind). */
  onError?(error: TRPCClientErrorLike<AppRouter>): void;
}

export function watchLiveEvents(client: AuthorsClient, handlers: LiveEventHandlers): { stop(): void } {
  const started = new Set<string>();
  const markStarted = (name: string) => {
    started.add(name);
    if (started.size === 2) handlers.onState?.('live');
  };
  const onConnectionStateChange = (name: string) => (state: { state: string; error: Error | null }) => {
    if (state.state !== 'connecting') return;
    const wasLive = started.size === 2;
    started.delete(name);
    if (wasLive) handlers.onState?.('connecting', state.error ?? undefined);
  };
  const onError = (error: TRPCClientErrorLike<AppRouter>) => handlers.onError?.(error);

  const authors = client.authors.onChange.subscribe(
    {},
    {
      onStarted: () => markStarted('authors'),
      onData: ({ id, data }) => handlers.onEvent({ id, ...data }),
      onConnectionStateChange: onConnectionStateChange('authors'),
      onError,
    },
  );
  const broadcasts = client.system.onBroadcast.subscribe(undefined, {
    onStarted: () => markStarted('broadcasts'),
    onData: ({ id, data }) => handlers.onEvent({ id, ...data }),
    onConnectionStateChange: onConnectionStateChange('broadcasts'),
    onError,
  });
  handlers.onState?.('connecting');
  return {
    stop() {
      authors.unsubscribe();
      broadcasts.unsubscribe();
    },
  };
}
