// Authentication payloads shared by the server (validation) and the client (types).
import { z } from 'zod';
import { textSchema } from './text';

export const loginInput = z.object({
  username: textSchema.trim().min(1).max(255),
  password: textSchema.min(1).max(1024),
});

/** A refresh token as issued; opaque to clients. */
export const refreshTokenInput = z.object({ refresh_token: textSchema.min(1).max(8192) });

/** The OAuth2 token response (Keycloak's shape), returned by login and refresh. */
export const tokenSetSchema = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  /** Seconds until the access token expires. */
  expires_in: z.number().int(),
  /** Seconds until the refresh token expires. */
  refresh_expires_in: z.number().int(),
  token_type: z.literal('Bearer'),
});
export type TokenSet = z.infer<typeof tokenSetSchema>;

export const currentUserSchema = z.object({
  sub: z.string(),
  username: z.string(),
  roles: z.array(z.string()),
});
export type CurrentUser = z.infer<typeof currentUserSchema>;
