// The REST route table (DESIGN §8): each row maps one method + path onto one procedure.
// The procedures do all the work (validation, auth, limits, audit); a row only says where the input
// comes from and which status a success answers with. Order does not matter: a literal path
// segment beats a `{parameter}` (so `/authors/paginated` is not an id).
import { sameNames, type RestRoute } from './route';

export const restRoutes: readonly RestRoute[] = [
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
];
