// The REST route table: each row maps one method + path onto one procedure.
// The procedures do all the work (validation, auth, limits, audit); a row only says where the input
// comes from and which status a success answers with. Order does not matter: a literal path
// segment beats a `{parameter}` (so `/authors/paginated` is not an id).
import { sameNames, type RestRoute } from './route';

export const restRoutes: readonly RestRoute[] = [
  {
    method: 'POST',
    path: '/login',
    procedure: 'auth.login',
    body: true,
    public: true,
    errors: [401, 502],
    summary: 'Log in with username and password; answers an access and a refresh token',
  },
  {
    method: 'POST',
    path: '/refresh',
    procedure: 'auth.refresh',
    body: true,
    public: true,
    errors: [401, 502],
    summary: 'Trade a refresh token for new tokens (the presented refresh token is used up)',
  },
  {
    method: 'POST',
    path: '/logout',
    procedure: 'auth.logout',
    body: true,
    public: true,
    status: 204,
    summary: "End the refresh token's session (an unknown or revoked token is not an error)",
  },
  { method: 'GET', path: '/me', procedure: 'auth.me', summary: 'The signed-in user and their roles' },
  {
    method: 'GET',
    path: '/authors',
    procedure: 'authors.list',
    query: sameNames('id', 'name', 'search'),
    summary: 'List authors, optionally filtered by id and/or name substring (`search` is an alias of `name`)',
  },
  {
    method: 'GET',
    path: '/authors/paginated',
    procedure: 'authors.paginated',
    query: { page: 'page', per_page: 'per_page', cursor: 'cursor', id: 'filters.id', name: 'filters.name' },
    summary: 'One page of authors: by page number, or by keyset cursor when `cursor` is present (even empty)',
  },
  { method: 'GET', path: '/authors/{id}', procedure: 'authors.byId', errors: [404], summary: 'One author' },
  {
    method: 'POST',
    path: '/authors',
    procedure: 'authors.create',
    body: true,
    status: 201,
    errors: [409],
    summary: 'Create an author',
  },
  {
    method: 'PUT',
    path: '/authors/{id}',
    procedure: 'authors.update',
    body: true,
    errors: [404, 409],
    summary: 'Rename an author',
  },
  {
    method: 'DELETE',
    path: '/authors/{id}',
    procedure: 'authors.delete',
    status: 204,
    errors: [404],
    summary: 'Delete an author',
  },
  {
    method: 'GET',
    path: '/audit-logs',
    procedure: 'audit.list',
    query: sameNames('user_id', 'username', 'action_type', 'outcome', 'start_date', 'end_date', 'page', 'per_page'),
    summary: 'Audit log entries, newest first, filtered and paginated (`per_page` is capped at 100)',
  },
  { method: 'GET', path: '/audit-logs/{id}', procedure: 'audit.byId', errors: [404], summary: 'One audit log entry' },
  {
    method: 'POST',
    path: '/broadcast',
    procedure: 'system.broadcast',
    body: true,
    status: 202,
    summary: 'Send a message to every connected client (tRPC `system.onBroadcast`, legacy WebSocket)',
  },
];
