// The live panel: author events and broadcasts as they arrive, newest first, and the connection
// state. Reconnecting (and replaying missed author events) is the client's job; this only shows it.
import { errorText, watchLiveEvents, type AuthorsClient, type LiveEvent } from '@authors/client';
import { h } from './dom';

/** The panel keeps this many lines. */
const MAX_LINES = 100;

function describe(event: LiveEvent): string {
  if (event.type === 'broadcast') return `broadcast from ${event.from}: ${event.message}`;
  return `${event.type} author ${event.author.id}: ${event.author.name}`;
}

export function livePanel(client: AuthorsClient, onAuthorEvent: () => void): { element: HTMLElement; stop(): void } {
  const status = h('span', { class: 'status', 'data-testid': 'live-status', 'data-state': 'connecting' }, 'connecting…');
  const list = h('ol', { class: 'events', 'data-testid': 'live-events', 'aria-live': 'polite' });
  const element = h('section', { class: 'live' }, h('h2', {}, 'Live ', status), list);

  const setStatus = (state: string, text: string) => {
    status.dataset.state = state;
    status.textContent = text;
  };
  const feed = watchLiveEvents(client, {
    onEvent(event) {
      const time = new Date().toLocaleTimeString();
      list.prepend(h('li', { 'data-type': event.type }, h('time', {}, time), ' ', describe(event)));
      list.querySelector(`li:nth-child(${MAX_LINES + 1})`)?.remove();
      if (event.type !== 'broadcast') onAuthorEvent();
    },
    onState: (state, error) =>
      state === 'live' ? setStatus('live', 'live') : setStatus('connecting', error ? 'reconnecting…' : 'connecting…'),
    onError: (error) => setStatus('error', errorText(error)),
  });
  return { element, stop: feed.stop };
}
