// /openapi.json is a valid OpenAPI 3.1 document that covers every REST route, and every documented
// operation answers as documented: the success status, media type and schema, and each error
// response a request can provoke here (400, 401, 403, 404, 409, 413, 422; 429 is in rest-routes).
// Secured operations are called as `admin` (every role), public ones without a token, so the
// document's `security` is checked too.
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restRoutes } from '../server/src/transports/rest/routes';
import { startTestServer, type TestServer } from './helpers/server';

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
}
interface Parameter { name: string; in: 'path' | 'query'; required: boolean; schema: Schema }
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: { 'application/json': { schema: Schema } } };
  responses: Record<string, { content?: Record<string, { schema: object }>; headers?: Record<string, { schema: object }> }>;
  security: object[];
}
interface Answer {
  status: number;
  contentType: string | null;
  headers: Headers;
  body: unknown;
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

const LIMIT = 4096;
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));

describe('OpenAPI document', () => {
  let server: TestServer;
  let raw: unknown;
  let document: Document;
  let sample = 0;
  const tokens: Record<'admin' | 'nobody', string> = { admin: '', nobody: '' };

  beforeAll(async () => {
    server = await startTestServer({ driver: 'pglite', env: { MAX_REQUEST_BODY_SIZE: String(LIMIT) } });
    const response = await fetch(`${server.url}/openapi.json`);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    raw = await response.json();
    const validator = new Validator();
    const result = await validator.validate(raw as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    document = validator.resolveRefs() as Document;
    tokens.admin = (await server.login('admin')).access_token;
    tokens.nobody = (await server.login('nobody')).access_token;
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  it('is OpenAPI 3.1 with a bearer security scheme', () => {
    expect(raw).toMatchObject({
      openapi: '3.1.0',
      info: { title: 'Authors API', version: '0.1.0' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    });
  });

  it('documents exactly the routes of the REST table, /health and /metrics', () => {
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const expected = [...restRoutes.map((route) => `${route.method} ${route.path}`), 'GET /health', 'GET /metrics'];
    expect(documented.sort()).toEqual(expected.sort());
  });

  it('documents dates as date-time strings and the author-by-id errors', () => {
    const byId = document.paths['/authors/{id}']!.get!;
    expect(byId.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1, maximum: 2147483647 } },
    ]);
    expect(byId.responses['200']!.content!['application/json']!.schema).toMatchObject({
      properties: { created_at: { type: 'string', format: 'date-time' }, updated_at: { type: 'string', format: 'date-time' } },
    });
    expect(Object.keys(byId.responses)).toEqual(['200', '401', '403', '404', '422', '429', '500', '503']);
    expect(byId.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(byId.responses['200']!.headers!)).toEqual(['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']);
    const update = document.paths['/authors/{id}']!.put!;
    expect(update.requestBody!.content['application/json'].schema).toMatchObject({ properties: { name: { type: 'string' } }, required: ['name'] });
    expect(update.requestBody!.content['application/json'].schema.properties).not.toHaveProperty('id');
  });

  it('documents who may call: no 403 where no role is needed, no 401 or token where none is needed', () => {
    const me = document.paths['/me']!.get!;
    expect(Object.keys(me.responses)).toEqual(['200', '401', '429', '500', '503']);
    const login = document.paths['/login']!.post!;
    expect(login.security).toEqual([]);
    expect(Object.keys(login.responses)).toEqual(['200', '400', '401', '413', '422', '429', '500', '502', '503']);
    expect(document.paths['/audit-logs']!.get!).toMatchObject({ description: 'Requires role(s): `admin`.' });
    expect(document.paths['/metrics']!.get!.responses['200']!.content).toEqual({
      'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } },
    });
  });

  /** A fresh author for each operation, so deletes and renames never interfere. */
  async function freshAuthorId(): Promise<number> {
    const created = await server.client(tokens.admin).authors.create.mutate({ name: `Sample ${++sample}` });
    return created.id;
  }

  /** An existing audit log entry (audit rows are written in batches: flush first). */
  async function auditLogId(): Promise<number> {
    await server.app.services.telemetry.audit.flush();
    const { items } = await server.client(tokens.admin).audit.list.query({ per_page: 1 });
    return items[0]!.id;
  }

  /** What fills a path template's parameter with an id that exists. */
  const existingIds: Record<string, () => Promise<number>> = { '/authors/{id}': freshAuthorId, '/audit-logs/{id}': auditLogId };

  /** A valid body for a schema: every required string a unique name, unless the operation needs real values. */
  async function validBody(label: string, schema: Schema): Promise<Record<string, unknown>> {
    if (label === 'POST /login') return { username: 'admin', password: 'admin' };
    if (label === 'POST /refresh') return { refresh_token: (await server.login('reader')).refresh_token };
    return Object.fromEntries((schema.required ?? []).map((key) => [key, `Sample ${++sample}`]));
  }

  /** Requests a public operation refuses with 401: credentials that are wrong. */
  const badCredentials: Record<string, object> = {
    'POST /login': { username: 'admin', password: 'wrong' },
    'POST /refresh': { refresh_token: 'not-a-token' },
  };

  async function send(method: string, template: string, params: Record<string, string>, body?: string, token?: string): Promise<Answer> {
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]!));
    const response = await fetch(`${server.url}${path}`, {
      method: method.toUpperCase(),
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body,
    });
    const text = await response.text();
    const contentType = response.headers.get('content-type');
    const json = contentType?.startsWith('application/json');
    return { status: response.status, contentType, headers: response.headers, body: text ? (json ? (JSON.parse(text) as unknown) : text) : undefined };
  }

  function expectConforms(operation: Operation, label: string, answer: Answer, expectedStatus: number): void {
    expect(answer.status, `${label}: ${JSON.stringify(answer.body)}`).toBe(expectedStatus);
    const documented = operation.responses[String(answer.status)];
    expect(documented, `${label}: status ${answer.status} is documented`).toBeDefined();
    for (const name of Object.keys(documented!.headers ?? {})) {
      // Rate-limit headers are sent only while rate limiting is on (it is off here).
      if (!name.startsWith('X-RateLimit-')) expect(answer.headers.get(name), `${label}: header ${name}`).not.toBeNull();
    }
    const [mediaType, media] = Object.entries(documented!.content ?? {})[0] ?? [];
    if (!mediaType) return expect(answer.body, label).toBeUndefined();
    expect(answer.contentType, label).toBe(mediaType.includes('charset') ? mediaType : `${mediaType}; charset=utf-8`);
    const validate = ajv.compile(media!.schema);
    expect(validate(answer.body), `${label}: ${JSON.stringify(validate.errors)}`).toBe(true);
  }

  it('every documented operation answers as documented', async () => {
    for (const [template, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const label = `${method.toUpperCase()} ${template}`;
        const secured = operation.security.length > 0;
        const token = secured ? tokens.admin : undefined;
        const pathParams = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
        const params = Object.fromEntries(
          await Promise.all(pathParams.map(async (p) => [p.name, String(await existingIds[template]!())])),
        );
        const schema = operation.requestBody?.content['application/json'].schema;
        const body = schema && JSON.stringify(await validBody(label, schema));
        const call = (overrides: { params?: Record<string, string>; body?: string; token?: string | null; query?: string } = {}) =>
          send(
            method,
            `${template}${overrides.query ?? ''}`,
            { ...params, ...overrides.params },
            'body' in overrides ? overrides.body : body,
            overrides.token === null ? undefined : (overrides.token ?? token),
          );

        const success = Object.keys(operation.responses).find((status) => status.startsWith('2'))!;
        expectConforms(operation, label, await call(), Number(success));

        if (operation.responses['401']) {
          const refused = secured ? await call({ token: null }) : await call({ body: JSON.stringify(badCredentials[label]) });
          expectConforms(operation, `${label} unauthorized`, refused, 401);
        }
        if (operation.responses['403']) {
          expectConforms(operation, `${label} forbidden`, await call({ token: tokens.nobody }), 403);
        }
        if (operation.responses['404']) {
          expectConforms(operation, `${label} missing`, await call({ params: { id: '2147483647' } }), 404);
        }
        if (operation.responses['409']) {
          const taken = await server.client(tokens.admin).authors.create.mutate({ name: `Taken ${++sample}` });
          expectConforms(operation, `${label} conflict`, await call({ body: JSON.stringify({ name: taken.name }) }), 409);
        }
        if (operation.responses['422']) {
          // An integer path parameter that is not a number, else an empty object as the body, else an integer query parameter.
          const integerQuery = operation.parameters?.find((p) => p.in === 'query' && p.schema.type === 'integer');
          const invalid = pathParams.length
            ? await call({ params: { id: 'abc' } })
            : schema
              ? await call({ body: '{}' })
              : await call({ query: `?${integerQuery!.name}=abc` });
          expectConforms(operation, `${label} invalid`, invalid, 422);
        }
        if (operation.responses['400']) {
          expectConforms(operation, `${label} malformed`, await call({ body: '{"name":' }), 400);
        }
        if (operation.responses['413']) {
          expectConforms(operation, `${label} oversize`, await call({ body: JSON.stringify({ name: 'x'.repeat(LIMIT) }) }), 413);
        }
      }
    }
  });
});
