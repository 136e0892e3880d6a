/**
 * What an organization API token may do (docs/api.md, "Roles"). `write` is
 * the default: every token created before roles existed could import.
 */
export const TOKEN_ROLES = ['read', 'write', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export function isTokenRole(value: string): value is TokenRole {
  return (TOKEN_ROLES as readonly string[]).includes(value);
}
