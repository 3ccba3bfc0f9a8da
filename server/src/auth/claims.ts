// Keycloak's token layout: what the embedded issuer writes and what the verifier reads.
import type { JWTPayload } from 'jose';
import { z } from 'zod';
import type { User } from './user';

/** `typ` claim values Keycloak uses to tell the token kinds apart. */
export const ACCESS_TOKEN_TYPE = 'Bearer';
export const REFRESH_TOKEN_TYPE = 'Refresh';

export interface KeycloakClaims extends JWTPayload {
  typ: string;
  azp: string;
  sid: string;
  preferred_username?: string;
  realm_access?: { roles: string[] };
  resource_access?: Record<string, { roles: string[] }>;
  scope?: string;
}

const roleList = z.object({ roles: z.array(z.string()) });
const userClaims = z.object({
  sub: z.string().min(1),
  preferred_username: z.string().min(1).optional(),
  realm_access: roleList.optional().catch(undefined),
  resource_access: z.record(z.string(), roleList.optional().catch(undefined)).optional().catch(undefined),
});

/**
 * The user a verified token describes: roles are the union of the realm roles and this client's
 * roles (other clients' roles are not ours to honour). Undefined when `sub` is missing.
 */
export function userFromClaims(payload: JWTPayload, clientId: string): User | undefined {
  const parsed = userClaims.safeParse(payload);
  if (!parsed.success) return undefined;
  const claims = parsed.data;
  const roles = new Set([
    ...(claims.realm_access?.roles ?? []),
    ...(claims.resource_access?.[clientId]?.roles ?? []),
  ]);
  return { sub: claims.sub, username: claims.preferred_username ?? claims.sub, roles: [...roles] };
}
