// The zod schemas of a procedure, as JSON Schema (2020-12, the dialect of OpenAPI 3.1).
// Inputs are described as a client sends them (`io: 'input'`), outputs as the server answers;
// Dates leave the REST wire as ISO-8601 strings (JSON.stringify), so they are documented so.
import type { AnyProcedure } from '@trpc/server';
import { z } from 'zod';
import type { AppRouter } from '../../routers';
import type { Meta } from '../../trpc/init';

export type JsonSchema = z.core.JSONSchema.BaseSchema;

export interface ProcedureSchemas {
  input: JsonSchema | undefined;
  output: JsonSchema | undefined;
  meta: Meta;
}

export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    io,
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

function zodOf(parser: unknown, what: string): z.ZodType | undefined {
  if (parser === undefined) return undefined;
  if (parser instanceof z.ZodType) return parser;
  throw new Error(`${what} is not a zod schema, so it cannot be documented`);
}

/** Throws when the router has no such procedure, so a stale route table fails at start-up. */
export function procedureSchemas(router: AppRouter, path: string): ProcedureSchemas {
  // At run time `_def.procedures` is flat, keyed by the dotted path (its static type mirrors the nesting).
  const procedure = (router._def.procedures as unknown as Record<string, AnyProcedure | undefined>)[path];
  if (!procedure) throw new Error(`REST route refers to unknown procedure "${path}"`);
  const def = procedure._def as { inputs: unknown[]; output?: unknown; meta?: Meta };
  if (def.inputs.length > 1) throw new Error(`${path}: chained inputs are not supported by the REST adapter`);
  const input = zodOf(def.inputs[0], `${path} input`);
  const output = zodOf(def.output, `${path} output`);
  return {
    input: input && toJsonSchema(input, 'input'),
    output: output && toJsonSchema(output, 'output'),
    meta: def.meta ?? {},
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
