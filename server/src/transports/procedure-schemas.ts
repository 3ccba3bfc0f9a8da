// The zod schemas of a procedure as JSON Schema, for the generated documents: 2020-12 (the dialect
// of OpenAPI 3.1) or draft-07 (what AsyncAPI 3.0 schemas build on). Inputs are described as a client
// sends them (`io: 'input'`), outputs as the server answers; Dates leave every JSON wire (REST, the
// legacy frames, superjson's `json` part) as ISO-8601 strings, so they are documented so.
import type { AnyProcedure } from '@trpc/server';
import { z } from 'zod';
import type { AppRouter } from '../routers';
import type { Meta } from '../trpc/init';

export type JsonSchema = z.core.JSONSchema.BaseSchema;

/** The JSON Schema dialects the documents use. */
export type JsonSchemaTarget = 'draft-2020-12' | 'draft-7';

export interface ProcedureSchemas {
  input: JsonSchema | undefined;
  output: JsonSchema | undefined;
  meta: Meta;
}

export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output', target: JsonSchemaTarget = 'draft-2020-12'): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    io,
    target,
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema._zod.def.type === 'date') {
        jsonSchema.type = 'string';
        jsonSchema.format = 'date-time';
      }
    },
  });
  return json;
}

/** One zod issue as error answers carry it (REST 422, legacy status 2): where and why an input was rejected. */
export const validationIssueSchema = z
  .looseObject({
    code: z.string(),
    path: z.array(z.union([z.string(), z.number().int()])),
    message: z.string(),
  })
  .describe('A zod issue: where (path) and why (code, message) the input was rejected; codes add their own fields');

/** `Requires role(s): …` for a description, or '' for a procedure that needs none. */
export function rolesSentence(roles: readonly string[] | undefined): string {
  return roles?.length ? `Requires role(s): ${roles.map((role) => `\`${role}\``).join(', ')}.` : '';
}

function zodOf(parser: unknown, what: string): z.ZodType | undefined {
  if (parser === undefined) return undefined;
  if (parser instanceof z.ZodType) return parser;
  throw new Error(`${what} is not a zod schema, so it cannot be documented`);
}

/** A procedure as the documents see it: its kind, zod schemas and meta. */
export interface ProcedureDefinition {
  type: 'query' | 'mutation' | 'subscription';
  input: z.ZodType | undefined;
  output: z.ZodType | undefined;
  meta: Meta;
}

// At run time `_def.procedures` is flat, keyed by the dotted path (its static type mirrors the nesting).
const proceduresOf = (router: AppRouter) => router._def.procedures as unknown as Record<string, AnyProcedure | undefined>;

/** The dotted paths of the router's procedures of one kind. */
export function procedurePaths(router: AppRouter, type: ProcedureDefinition['type']): string[] {
  return Object.entries(proceduresOf(router))
    .filter(([, procedure]) => procedure?._def.type === type)
    .map(([path]) => path);
}

/** Throws when the router has no such procedure, so a stale table fails at start-up. */
export function procedureDefinition(router: AppRouter, path: string): ProcedureDefinition {
  const procedure = proceduresOf(router)[path];
  if (!procedure) throw new Error(`unknown procedure "${path}"`);
  const def = procedure._def as { type: ProcedureDefinition['type']; inputs: unknown[]; output?: unknown; meta?: Meta };
  if (def.inputs.length > 1) throw new Error(`${path}: chained inputs cannot be documented`);
  return {
    type: def.type,
    input: zodOf(def.inputs[0], `${path} input`),
    output: zodOf(def.output, `${path} output`),
    meta: def.meta ?? {},
  };
}

export function procedureSchemas(router: AppRouter, path: string, target?: JsonSchemaTarget): ProcedureSchemas {
  const { input, output, meta } = procedureDefinition(router, path);
  return {
    input: input && toJsonSchema(input, 'input', target),
    output: output && toJsonSchema(output, 'output', target),
    meta,
  };
}

/** The schema of the field at a dotted path of an object schema, and whether it is required all the way. */
export function fieldSchema(root: JsonSchema, dotted: string): { schema: JsonSchema; required: boolean } {
  let schema = root;
  let required = true;
  for (const key of dotted.split('.')) {
    const next = schema.properties?.[key];
    if (typeof next !== 'object') throw new Error(`input has no field "${dotted}"`);
    required &&= schema.required?.includes(key) ?? false;
    schema = next;
  }
  return { schema, required };
}
