// Pagination input and metadata, offset (`page`) or keyset (`cursor`) mode.
import { z } from 'zod';
import { authorIdSchema, authorSchema, nameFilterSchema } from './author';
import { decimalInteger } from './integer';
import { textSchema } from './text';

export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 1000;
/** Cursors are short base64url strings; anything longer is not one of ours. */
const MAX_CURSOR_LENGTH = 64;

export const pageNumberSchema = z.number().int().min(1).max(1_000_000);
/** Values above the procedure's cap are capped, not rejected. */
export const perPageNumberSchema = z.number().int().min(1);
/** Present (even empty) selects keyset pagination; `""` starts from the beginning. */
export const cursorSchema = textSchema.max(MAX_CURSOR_LENGTH);

export const paginatedAuthorsInput = z
  .object({
    page: decimalInteger(pageNumberSchema.default(1)),
    per_page: decimalInteger(perPageNumberSchema.default(DEFAULT_PER_PAGE)).transform((n) => Math.min(n, MAX_PER_PAGE)),
    cursor: cursorSchema.optional(),
    filters: z
      .object({
        id: authorIdSchema.optional(),
        name: nameFilterSchema.optional(),
      })
      .optional(),
  })
  .default({ page: 1, per_page: DEFAULT_PER_PAGE });
export type PaginatedAuthorsInput = z.input<typeof paginatedAuthorsInput>;

export const paginationMetaSchema = z.object({
  page: z.number().int(),
  per_page: z.number().int(),
  total: z.number().int(),
  pages: z.number().int(),
  next_cursor: z.string().nullable(),
  has_more: z.boolean(),
});
export type PaginationMeta = z.infer<typeof paginationMetaSchema>;

export const paginatedAuthorsSchema = z.object({
  items: z.array(authorSchema),
  meta: paginationMetaSchema,
});
export type PaginatedAuthors = z.infer<typeof paginatedAuthorsSchema>;
