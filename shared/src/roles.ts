// The roles of the original system; procedures declare which they need in `.meta({ roles })`.
import { z } from 'zod';

export const ROLES = ['get-authors', 'create-author', 'update-author', 'delete-author', 'admin'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;
