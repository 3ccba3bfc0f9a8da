// Finds the row for a request: the most specific path template that matches (literal segments beat
// `{parameters}`), then the row for the method — or the methods that path does allow (for 405).
// HEAD is served by the GET row (node sends the headers without the body).
import type { HttpMethod, RestRoute } from './route';

export type RouteMatch =
  | { kind: 'route'; route: RestRoute; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: (HttpMethod | 'HEAD')[] };

type Segment = { literal: string } | { param: string };

interface Template {
  segments: Segment[];
  /** Fewer parameters = more specific. */
  paramCount: number;
  routes: RestRoute[];
}

function compile(path: string): Segment[] {
  return path
    .split('/')
    .slice(1)
    .map((part) => (/^\{.+\}$/.test(part) ? { param: part.slice(1, -1) } : { literal: part }));
}

/** `%zz` is not valid percent-encoding: keep the raw text, and let the procedure's validation reject it. */
function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function bind(template: Template, parts: string[]): Record<string, string> | undefined {
  if (template.segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of template.segments.entries()) {
    const part = parts[index]!;
    if ('literal' in segment) {
      if (segment.literal !== part) return undefined;
    } else {
      // `/authors/` has no id: it is no route at all rather than an invalid id.
      if (part === '') return undefined;
      params[segment.param] = decode(part);
    }
  }
  return params;
}

export function createRouteMatcher(routes: readonly RestRoute[]) {
  const byPath = new Map<string, Template>();
  for (const route of routes) {
    const template = byPath.get(route.path);
    if (template) {
      if (template.routes.some((other) => other.method === route.method)) {
        throw new Error(`Duplicate REST route ${route.method} ${route.path}`);
      }
      template.routes.push(route);
    } else {
      const segments = compile(route.path);
      const paramCount = segments.filter((segment) => 'param' in segment).length;
      byPath.set(route.path, { segments, paramCount, routes: [route] });
    }
  }
  const templates = [...byPath.values()].sort((a, b) => a.paramCount - b.paramCount);

  return (method: string, pathname: string): RouteMatch | undefined => {
    const parts = pathname.split('/').slice(1);
    for (const template of templates) {
      const params = bind(template, parts);
      if (!params) continue;
      const wanted = method === 'HEAD' ? 'GET' : method;
      const route = template.routes.find((candidate) => candidate.method === wanted);
      if (route) return { kind: 'route', route, params };
      const allow = template.routes.map((candidate) => candidate.method);
      return { kind: 'method-not-allowed', allow: allow.includes('GET') ? [...allow, 'HEAD'] : allow };
    }
    return undefined;
  };
}
