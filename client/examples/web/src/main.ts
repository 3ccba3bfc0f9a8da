// The authors browser app, on @authors/client only: sign in, browse and edit authors as the user's
// roles allow, and watch changes and broadcasts live.
import { authorsView } from './authors-view';
import { h } from './dom';
import { livePanel } from './live-panel';
import { loginView } from './login-view';
import { createSession, type SignedIn } from './session';
import './style.css';

const root = document.querySelector<HTMLElement>('#app')!;
// Same origin as the page: the server at /app, or Vite's dev server proxying /trpc.
const session = createSession(location.origin);
let stopLive: (() => void) | undefined;

function showLogin(): void {
  stopLive?.();
  stopLive = undefined;
  root.replaceChildren(
    h('header', {}, h('h1', {}, 'Authors')),
    loginView(async (username, password) => showApp(await session.login(username, password))),
  );
}

function showApp(signedIn: SignedIn): void {
  const { user } = signedIn;
  const logout = h('button', { type: 'button', 'data-testid': 'logout' }, 'Sign out');
  logout.addEventListener('click', () => void session.logout().then(showLogin));
  const authors = authorsView(signedIn);
  // A change anywhere (this tab or another) refreshes the list.
  const live = livePanel(signedIn.client, authors.reload);
  stopLive = live.stop;
  root.replaceChildren(
    h(
      'header',
      {},
      h('h1', {}, 'Authors'),
      h('span', { class: 'user', 'data-testid': 'user' }, `${user.username} · ${user.roles.join(', ') || 'no roles'}`),
      logout,
    ),
    h('main', {}, authors.element, live.element),
  );
}

const resumed = await session.resume();
if (resumed) showApp(resumed);
else showLogin();
