// The OpenAPI 3.1 document, generated at start-up from the REST route table and the procedures'
// zod schemas, so it cannot drift from what the server does.
import type { z } from 'zod';
import type { AppRouter } from '../../routers';
import { DATABASE_UNAVAILABLE_MESSAGE, INTERNAL_ERROR_MESSAGE, RATE_LIMIT_DETAIL } from '../../trpc/error-policy';
import { pathParameters, type HttpMethod, type RestRoute } from '../rest/route';
import { fieldSchema, procedureSchemas, toJsonSchema, validationIssueSchema, rolesSentence, type JsonSchema } from '../procedure-schemas';

/** A route served outside the procedures (e.g. /health), documented from the zod schemas of its answers. */
export interface PlainRoute {
  method: HttpMethod;
  path: `/${string}`;
  summary: string;
  tag: string;
  /** `contentType` defaults to JSON. */
  responses: Readonly<Record<number, { description: string; schema: z.ZodType; contentType?: string }>>;
}

export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

const errorSchema: JsonSchema = {
  type: 'object',
  properties: { detail: { type: 'string' } },
  required: ['detail'],
};
const validationErrorSchema: JsonSchema = {
  type: 'object',
  properties: {
    detail: { type: 'string' },
    issues: { type: 'array', items: toJsonSchema(validationIssueSchema, 'output') },
  },
  required: ['detail', 'issues'],
};

/** Sent on every procedure answer while rate limiting is on (RATE_LIMIT_ENABLED). */
const rateLimitHeaders = {
  'X-RateLimit-Limit': { description: 'Calls admitted per window', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'Calls left in the current window', schema: { type: 'integer' } },
  'X-RateLimit-Reset': { description: 'Whole seconds until a slot frees', schema: { type: 'integer' } },
};

const errorResponse = (description: string, schema = 'Error', example?: string) => ({
  description,
  content: {
    'application/json': {
      schema: { $ref: `#/components/schemas/${schema}` },
      ...(example ? { example: { detail: example } } : {}),
    },
  },
});

/** Reusable error responses, by status. */
const errorResponses = {
  400: errorResponse('The body is not valid JSON', 'Error', 'Malformed JSON body'),
  401: {
    ...errorResponse('Missing, invalid or expired bearer token'),
    headers: { 'WWW-Authenticate': { schema: { type: 'string', const: 'Bearer' } } },
  },
  403: errorResponse('The caller lacks a role this operation requires'),
  404: errorResponse('No such resource'),
  409: errorResponse('Conflicts with existing data (e.g. a duplicate name)'),
  413: errorResponse('The request body exceeds MAX_REQUEST_BODY_SIZE', 'Error', 'Request body too large'),
  422: errorResponse('The input failed validation', 'ValidationError'),
  429: {
    ...errorResponse('Rate limit exceeded', 'Error', RATE_LIMIT_DETAIL),
    headers: {
      'Retry-After': { description: 'Seconds until a request is admitted', schema: { type: 'integer' } },
      ...rateLimitHeaders,
    },
  },
  500: errorResponse('Unexpected server failure', 'Error', INTERNAL_ERROR_MESSAGE),
  502: errorResponse('The identity provider (OIDC mode) cannot be reached or answered something unusable'),
  503: errorResponse(
    'A dependency is unavailable (the database; the rate-limit store with RATE_LIMIT_FAIL_MODE=closed): retry later',
    'Error',
    DATABASE_UNAVAILABLE_MESSAGE,
  ),
} as const;

type DocumentedError = keyof typeof errorResponses;

function operationOf(router: AppRouter, route: RestRoute) {
  const { input, output, meta } = procedureSchemas(router, route.procedure);
  const pathKeys = pathParameters(route.path);
  const need = (field: string) => {
    if (!input) throw new Error(`${route.method} ${route.path}: "${field}" needs an input schema on ${route.procedure}`);
    return fieldSchema(input, field);
  };

  const parameters = [
    ...pathKeys.map((name) => ({ name, in: 'path', required: true, schema: need(name).schema })),
    ...Object.entries(route.query ?? {}).map(([name, field]) => {
      const { schema, required } = need(field);
      return { name, in: 'query', required, schema };
    }),
  ];

  let requestBody: unknown;
  if (route.body) {
    if (!input) throw new Error(`${route.method} ${route.path}: a body route needs an input schema`);
    const properties = Object.fromEntries(
      Object.entries(input.properties ?? {}).filter(([key]) => !pathKeys.includes(key)),
    );
    const required = (input.required ?? []).filter((key) => !pathKeys.includes(key));
    const schema = { ...input, properties, ...(required.length ? { required } : {}) };
    requestBody = { required: true, content: { 'application/json': { schema } } };
  }

  const status = route.status ?? 200;
  const errors: DocumentedError[] = [
    ...(route.body ? ([400, 413] as const) : []),
    ...(route.public ? [] : ([401] as const)),
    ...(meta.roles?.length ? ([403] as const) : []),
    ...(route.errors ?? []),
    ...(input ? ([422] as const) : []),
    429,
    500,
    503,
  ];
  const roles = rolesSentence(meta.roles);

  return {
    operationId: route.procedure,
    summary: route.summary,
    ...(roles ? { description: roles } : {}),
    tags: [route.procedure.split('.')[0]],
    security: route.public ? [] : [{ bearerAuth: [] }],
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: {
      [status]:
        status === 204
          ? { description: 'Success, no content', headers: rateLimitHeaders }
          : // A procedure without an output schema still answers JSON; only its shape is undocumented.
            { description: 'Success', headers: rateLimitHeaders, content: { 'application/json': { schema: output ?? {} } } },
      ...Object.fromEntries(
        [...new Set(errors)].sort((a, b) => a - b).map((code) => [code, { $ref: `#/components/responses/${code}` }]),
      ),
    },
  };
}

function plainOperationOf(route: PlainRoute) {
  return {
    operationId: `${route.method.toLowerCase()}${route.path.replace(/\W+/g, '_')}`,
    summary: route.summary,
    tags: [route.tag],
    security: [],
    responses: Object.fromEntries(
      Object.entries(route.responses).map(([status, { description, schema, contentType = 'application/json' }]) => [
        status,
        { description, content: { [contentType]: { schema: toJsonSchema(schema, 'output') } } },
      ]),
    ),
  };
}

export function buildOpenApiDocument(
  router: AppRouter,
  routes: readonly RestRoute[],
  plainRoutes: readonly PlainRoute[],
  version: string,
): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operationOf(router, route);
  }
  for (const route of plainRoutes) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = plainOperationOf(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Authors API',
      version,
      description: 'REST face of the authors tRPC API: every route calls the same procedure as /trpc.',
    },
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: errorSchema, ValidationError: validationErrorSchema },
      responses: Object.fromEntries(Object.entries(errorResponses)),
    },
  };
}
