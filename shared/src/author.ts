// Author schemas shared by the server (validation) and the client (types).
import { z } from 'zod';
import { positiveId } from './integer';
import { textSchema } from './text';

/** Largest value of a PostgreSQL `integer` column: bigger ids can never exist, so they fail validation instead of reaching SQL. */
export const MAX_AUTHOR_ID = 2_147_483_647;
export const MAX_NAME_LENGTH = 255;

/** A JSON number, or its digits in a path segment or query string ("7"); see integer.ts. */
export const authorIdSchema = positiveId(MAX_AUTHOR_ID);

/** Names are trimmed before storing; 1–255 characters after trimming. */
export const authorNameSchema = textSchema.trim().min(1).max(MAX_NAME_LENGTH);

/** A substring to search for; empty means "no filter". */
export const nameFilterSchema = textSchema.max(MAX_NAME_LENGTH);

export const authorSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  created_at: z.date(),
  updated_at: z.date(),
});
export type Author = z.infer<typeof authorSchema>;

export const authorFilterSchema = z.object({
  id: authorIdSchema.optional(),
  /** Case-insensitive substring; `%` and `_` match themselves. */
  name: nameFilterSchema.optional(),
  /** Alias of `name`. */
  search: nameFilterSchema.optional(),
});
export type AuthorFilter = z.infer<typeof authorFilterSchema>;

export const listAuthorsInput = authorFilterSchema.default({});

export const authorByIdInput = z.object({ id: authorIdSchema });
export const createAuthorInput = z.object({ name: authorNameSchema });
export const updateAuthorInput = z.object({ id: authorIdSchema, name: authorNameSchema });
