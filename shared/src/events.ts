// Events pushed to subscribers: author changes (authors.onChange) and admin broadcasts (system.onBroadcast).
import { z } from 'zod';
import { authorSchema } from './author';
import { textSchema } from './text';

export const AUTHOR_EVENT_TYPES = ['created', 'updated', 'deleted'] as const;

export const authorEventSchema = z.object({
  type: z.enum(AUTHOR_EVENT_TYPES),
  author: authorSchema,
});
export type AuthorEvent = z.infer<typeof authorEventSchema>;

export const broadcastEventSchema = z.object({
  type: z.literal('broadcast'),
  message: z.string(),
  /** Username of the admin who sent it. */
  from: z.string(),
});
export type BroadcastEvent = z.infer<typeof broadcastEventSchema>;

export type AppEvent = AuthorEvent | BroadcastEvent;

export const MAX_BROADCAST_LENGTH = 4096;
export const broadcastInput = z.object({ message: textSchema.trim().min(1).max(MAX_BROADCAST_LENGTH) });

/** Stream ids look like Redis Stream ids (`<ms>-<seq>`) on every backend. */
export const eventIdSchema = z.string().regex(/^\d{1,20}-\d{1,20}$/, 'not an event id');
export const onChangeInput = z.object({ lastEventId: eventIdSchema.nullish() }).default({});
