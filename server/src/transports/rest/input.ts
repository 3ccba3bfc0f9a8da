// Turns path parameters, the query string and the JSON body into a procedure's raw input, as the
// row says. Values stay strings: the procedure's zod schema coerces and validates them, so REST
// accepts exactly what every other transport accepts.
import type { RestRoute } from './route';

export interface RequestParts {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Undefined when the request had no body. */
  body: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets `target.a.b` for the path `a.b`, creating the intermediate objects. */
function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  const last = keys.pop()!;
  let node = target;
  for (const key of keys) {
    const next = node[key];
    node = isPlainObject(next) ? next : (node[key] = {});
  }
  node[last] = value;
}

export function buildInput(route: RestRoute, { params, query, body }: RequestParts): unknown {
  if (route.body) {
    // A body that is not an object (array, string, null…) goes through unchanged, so validation
    // reports it as such instead of the adapter guessing.
    if (body !== undefined && !isPlainObject(body)) return body;
    return { ...body, ...params };
  }
  if (!route.query && Object.keys(params).length === 0) return undefined;
  const input: Record<string, unknown> = { ...params };
  for (const [key, field] of Object.entries(route.query ?? {})) {
    const values = query.getAll(key);
    // A repeated key becomes an array, which a scalar field rejects instead of one value winning silently.
    if (values.length) setPath(input, field, values.length === 1 ? values[0] : values);
  }
  return input;
}
