// /openapi.json is a valid OpenAPI 3.1 document that covers every REST route, and every documented
// operation answers as documented: the success status and schema, and each error response this
// branch can provoke (400, 404, 413, 422). 401/403/429 need identity and rate limiting.
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
  responses: Record<string, { content?: { 'application/json': { schema: object } } }>;
  security: object[];
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
  });
  afterAll(() => server?.[Symbol.asyncDispose]());

  it('is OpenAPI 3.1 with a bearer security scheme', () => {
    expect(raw).toMatchObject({
      openapi: '3.1.0',
      info: { title: 'Authors API', version: '0.1.0' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    });
  });

  it('documents exactly the routes of the REST table, and /health', () => {
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const expected = [...restRoutes.map((route) => `${route.method} ${route.path}`), 'GET /health'];
    expect(documented.sort()).toEqual(expected.sort());
  });

  it('documents dates as date-time strings and the author-by-id errors', () => {
    const byId = document.paths['/authors/{id}']!.get!;
    expect(byId.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1, maximum: 2147483647 } },
    ]);
    expect(byId.responses['200']!.content!['application/json'].schema).toMatchObject({
      properties: { created_at: { type: 'string', format: 'date-time' }, updated_at: { type: 'string', format: 'date-time' } },
    });
    expect(Object.keys(byId.responses)).toEqual(['200', '401', '403', '404', '422', '429', '500', '503']);
    expect(byId.security).toEqual([{ bearerAuth: [] }]);
    const update = document.paths['/authors/{id}']!.put!;
    expect(update.requestBody!.content['application/json'].schema).toMatchObject({ properties: { name: { type: 'string' } }, required: ['name'] });
    expect(update.requestBody!.content['application/json'].schema.properties).not.toHaveProperty('id');
  });

  /** A fresh author for each operation, so deletes and renames never interfere. */
  async function freshAuthorId(): Promise<number> {
    const created = await server.client().authors.create.mutate({ name: `Sample ${++sample}` });
    return created.id;
  }

  /** A valid body for a schema: every required string a unique name. */
  function validBody(schema: Schema): Record<string, unknown> {
    return Object.fromEntries((schema.required ?? []).map((key) => [key, `Sample ${++sample}`]));
  }

  async function send(method: string, template: string, params: Record<string, string>, body?: string) {
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]!));
    const response = await fetch(`${server.url}${path}`, {
      method: method.toUpperCase(),
      ...(body === undefined ? {} : { body, headers: { 'Content-Type': 'application/json' } }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  function expectConforms(operation: Operation, status: number, body: unknown): void {
    const documented = operation.responses[String(status)];
    expect(documented, `status ${status} is documented`).toBeDefined();
    const schema = documented!.content?.['application/json'].schema;
    if (!schema) return expect(body).toBeUndefined();
    const validate = ajv.compile(schema);
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  }

  it('every documented operation answers as documented', async () => {
    for (const [template, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const label = `${method.toUpperCase()} ${template}`;
        const pathParams = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
        const params = Object.fromEntries(await Promise.all(pathParams.map(async (p) => [p.name, String(await freshAuthorId())])));
        const schema = operation.requestBody?.content['application/json'].schema;
        const body = schema && JSON.stringify(validBody(schema));

        const success = Object.keys(operation.responses).find((status) => status.startsWith('2'))!;
        const ok = await send(method, template, params, body);
        expect(ok.status, label).toBe(Number(success));
        expectConforms(operation, ok.status, ok.body);

        if (operation.responses['404']) {
          const missing = await send(method, template, { ...params, id: '2147483647' }, body);
          expect(missing.status, `${label} missing`).toBe(404);
          expectConforms(operation, 404, missing.body);
        }
        if (operation.responses['422']) {
          // An integer path parameter that is not a number, else an empty object as the body.
          const invalid = pathParams.length
            ? await send(method, template, { ...params, id: 'abc' }, body)
            : schema
              ? await send(method, template, params, '{}')
              : await send(method, `${template}?${operation.parameters!.find((p) => p.schema.type === 'integer')!.name}=abc`, params);
          expect(invalid.status, `${label} invalid`).toBe(422);
          expectConforms(operation, 422, invalid.body);
        }
        if (operation.responses['400']) {
          const malformed = await send(method, template, params, '{"name":');
          expect(malformed.status, `${label} malformed`).toBe(400);
          expectConforms(operation, 400, malformed.body);
        }
        if (operation.responses['413']) {
          const oversize = await send(method, template, params, JSON.stringify({ name: 'x'.repeat(LIMIT) }));
          expect(oversize.status, `${label} oversize`).toBe(413);
          expectConforms(operation, 413, oversize.body);
        }
      }
    }
  });
});
