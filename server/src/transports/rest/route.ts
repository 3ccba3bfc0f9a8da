// What a REST route is: one row of the route table, mapping method + path template onto a procedure.
// Rows are declarative (which query keys and path parameters fill which input fields, whether the
// JSON body is the input) so that both the request handler and the OpenAPI document derive from them.
import type { AnyProcedure } from '@trpc/server';
import type { AppRouter } from '../../routers';

type PathsOf<TRecord, Prefix extends string = ''> = {
  [K in keyof TRecord & string]: TRecord[K] extends AnyProcedure
    ? `${Prefix}${K}`
    : PathsOf<TRecord[K], `${Prefix}${K}.`>;
}[keyof TRecord & string];

/** Every procedure path of the app router (`authors.byId`…), checked at compile time. */
export type ProcedurePath = PathsOf<AppRouter['_def']['record']>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type SuccessStatus = 200 | 201 | 202 | 204;
/** Error statuses a particular procedure answers beyond those every route documents. */
export type ProcedureErrorStatus = 401 | 404 | 409 | 502;

export interface RestRoute {
  method: HttpMethod;
  /** OpenAPI-style template such as `/authors/{id}`; each `{name}` fills the input field `name`. */
  path: `/${string}`;
  procedure: ProcedurePath;
  /** Query parameter → dotted path of the input field it fills (`id` → `filters.id`). */
  query?: Readonly<Record<string, string>>;
  /** The JSON body is the input object; path parameters are merged into it (and win). */
  body?: boolean;
  /** Default 200; 204 answers with no body. */
  status?: SuccessStatus;
  /** Needs no bearer token (login, refresh, logout). */
  public?: boolean;
  /**
   * E.g. 404 for a missing id, 409 for a duplicate, 401 for a public route that checks credentials,
   * 502 for one that asks the identity provider.
   */
  errors?: readonly ProcedureErrorStatus[];
  summary: string;
}

/** `sameNames('id', 'name')` → `{id: 'id', name: 'name'}`: query keys that are input fields of the same name. */
export function sameNames(...keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.map((key) => [key, key]));
}

/** The `{name}` parameters of a path template, in order. */
export function pathParameters(template: string): string[] {
  return [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
}
