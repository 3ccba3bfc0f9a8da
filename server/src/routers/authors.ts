// The author procedures: the API defined once, served by every transport.
import {
  authorByIdInput,
  authorSchema,
  createAuthorInput,
  listAuthorsInput,
  paginatedAuthorsInput,
  paginatedAuthorsSchema,
  onChangeInput,
  updateAuthorInput,
  type Author,
  type AuthorEvent,
} from '@authors/shared';
import { TRPCError, tracked } from '@trpc/server';
import { z } from 'zod';
import { AuthorNameTakenError } from '../db/authors-repository';
import type { StreamEvent } from '../state/event-stream';
import { checkedOutput } from '../trpc/checked-output';
import { router } from '../trpc/init';
import { protectedProcedure } from '../trpc/procedures';
import { paginateAuthors } from './authors-pagination';
import { followStream, publishEvent } from './events';

// The repository answers in exactly these shapes, so tRPC's output validation checks them in place
// instead of copying every row (trpc/checked-output.ts).
const authorOutput = checkedOutput(authorSchema);
const authorListOutput = checkedOutput(z.array(authorSchema));

/** Author events only. Made once, not per subscription: every subscriber keeps the function (bench W5). */
const authorEventOf = ({ id, event }: StreamEvent) => (event.type === 'broadcast' ? undefined : tracked(id, event satisfies AuthorEvent));

function found(author: Author | undefined, id: number): Author {
  if (!author) throw new TRPCError({ code: 'NOT_FOUND', message: `Author ${id} not found` });
  return author;
}

async function uniqueName<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof AuthorNameTakenError) {
      throw new TRPCError({ code: 'CONFLICT', message: error.message, cause: error });
    }
    throw error;
  }
}

export const authorsRouter = router({
  list: protectedProcedure
    .meta({ roles: ['get-authors'] })
    .input(listAuthorsInput)
    .output(authorListOutput)
    .query(({ ctx, input }) =>
      ctx.services.authors.list({ id: input.id, nameContains: input.name ?? input.search }),
    ),

  paginated: protectedProcedure
    .meta({ roles: ['get-authors'] })
    .input(paginatedAuthorsInput)
    .output(paginatedAuthorsSchema)
    .query(({ ctx, input }) => paginateAuthors(ctx.services.authors, input)),

  byId: protectedProcedure
    .meta({ roles: ['get-authors'] })
    .input(authorByIdInput)
    .output(authorOutput)
    .query(async ({ ctx, input }) => found(await ctx.services.authors.byId(input.id), input.id)),

  create: protectedProcedure
    .meta({ roles: ['create-author'] })
    .input(createAuthorInput)
    .output(authorOutput)
    .mutation(async ({ ctx, input }) => {
      const author = await uniqueName(ctx.services.authors.create(input.name));
      await publishEvent(ctx, { type: 'created', author });
      return author;
    }),

  update: protectedProcedure
    .meta({ roles: ['update-author'] })
    .input(updateAuthorInput)
    .output(authorOutput)
    .mutation(async ({ ctx, input }) => {
      const author = found(await uniqueName(ctx.services.authors.update(input.id, input.name)), input.id);
      await publishEvent(ctx, { type: 'updated', author });
      return author;
    }),

  delete: protectedProcedure
    .meta({ roles: ['delete-author'] })
    .input(authorByIdInput)
    .output(authorOutput)
    .mutation(async ({ ctx, input }) => {
      const author = found(await ctx.services.authors.delete(input.id), input.id);
      await publishEvent(ctx, { type: 'deleted', author });
      return author;
    }),

  /** Author changes as they happen; with `lastEventId`, first every change missed since then. */
  onChange: protectedProcedure
    .meta({ roles: ['get-authors'] })
    .input(onChangeInput)
    .subscription(({ ctx, input, signal }) => followStream(ctx, input.lastEventId, signal, authorEventOf)),
});
