// `authors.paginated`: offset mode (page/per_page with exact totals) or keyset mode (cursor on id,
// no count query, stable under concurrent inserts).
import type { PaginatedAuthors, paginatedAuthorsInput } from '@authors/shared';
import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import type { AuthorQuery, AuthorRepository } from '../db/authors-repository';
import { decodeCursor, encodeCursor } from './authors-cursor';

type Input = z.output<typeof paginatedAuthorsInput>;

export async function paginateAuthors(authors: AuthorRepository, input: Input): Promise<PaginatedAuthors> {
  const query: AuthorQuery = { id: input.filters?.id, nameContains: input.filters?.name };
  const perPage = input.per_page;

  if (input.cursor !== undefined) {
    const afterId = decodeCursor(input.cursor);
    if (afterId === undefined) throw new TRPCError({ code: 'BAD_REQUEST', message: 'Invalid cursor' });
    // One extra row tells whether another page exists without counting.
    const rows = await authors.after(query, afterId, perPage + 1);
    const items = rows.slice(0, perPage);
    const hasMore = rows.length > perPage;
    const last = items.at(-1);
    return {
      items,
      meta: {
        page: input.page,
        per_page: perPage,
        total: 0,
        pages: 0,
        next_cursor: hasMore && last ? encodeCursor(last.id) : null,
        has_more: hasMore,
      },
    };
  }

  const { items, total } = await authors.page(query, (input.page - 1) * perPage, perPage);
  const pages = Math.ceil(total / perPage);
  return {
    items,
    meta: { page: input.page, per_page: perPage, total, pages, next_cursor: null, has_more: input.page < pages },
  };
}
